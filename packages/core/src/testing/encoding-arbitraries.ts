/**
 * fast-check arbitraries of valid encodings of every kind, nested (sparse values and low-rank
 * factors that are themselves encodings), for contract tests in every package.
 */
import fc from 'fast-check';
import { DTYPES, type DType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { packBits } from '../encoding/bit-pack.ts';
import { encodingShape } from '../encoding/byte-length.ts';
import { huffmanEncoding } from '../encoding/entropy.ts';
import { scalesShape } from '../encoding/granularity.ts';
import { matrixDimensions } from '../encoding/matrix-shape.ts';
import { nmPositionBits } from '../encoding/sparse-layout.ts';
import { symbolStreams } from '../encoding/symbol-streams.ts';
import { sparseFromDense } from '../encoding/sparse-from-dense.ts';
import type { Encoding, EncodingKind, Granularity, SparseLayout } from '../encoding/types.ts';
import { shapeSize } from '../tensor/shape.ts';
import { hostTensorArbitrary, shapeArbitrary, type ShapeOptions } from './tensor-arbitraries.ts';

/** Every packable code width. */
export const CODE_WIDTHS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 16];

/** Options for generated encodings. */
export interface EncodingOptions extends ShapeOptions {
  /** How many levels of nesting (sparse values, low-rank factors) to allow; default 2. */
  readonly maxDepth?: number;
  /**
   * Kinds to draw from; default all but `entropy`. Nested values always draw from those defaults
   * (an entropy encoding's inner one from the kinds that have symbol streams).
   */
  readonly kinds?: readonly EncodingKind[];
}

/**
 * Valid encodings of every kind, nested up to `maxDepth` (sparse with codebook or affine values,
 * low-rank with affine factors, and so on).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(encodingArbitrary(), (encoding) => byteLength(encoding) >= 0));
 * ```
 */
export function encodingArbitrary(options: EncodingOptions = {}): fc.Arbitrary<Encoding> {
  return shapeArbitrary(options).chain((shape) => encodingOfShapeArbitrary(shape, options));
}

/**
 * Valid encodings that decode to exactly `shape`.
 *
 * @example
 * ```ts
 * fc.sample(encodingOfShapeArbitrary([4, 8], { kinds: ['affine'] }), 1);
 * ```
 */
export function encodingOfShapeArbitrary(
  shape: readonly number[],
  options: EncodingOptions = {}
): fc.Arbitrary<Encoding> {
  const depth = options.maxDepth ?? 2;
  const kinds = options.kinds ?? (['dense', 'affine', 'codebook', 'sparse', 'lowrank'] as const);
  const nested = (nestedShape: readonly number[]) => encodingOfShapeArbitrary(nestedShape, { maxDepth: depth - 1 });
  const choices: fc.Arbitrary<Encoding>[] = [];
  if (kinds.includes('dense')) choices.push(denseArbitrary(shape));
  if (kinds.includes('affine')) choices.push(affineArbitrary(shape));
  if (kinds.includes('codebook')) choices.push(codebookArbitrary(shape));
  if (depth > 0 && kinds.includes('sparse')) choices.push(sparseArbitrary(shape, nested));
  if (depth > 0 && kinds.includes('lowrank')) choices.push(lowRankArbitrary(shape, nested));
  if (kinds.includes('entropy')) choices.push(entropyArbitrary(shape, depth));
  if (choices.length === 0) choices.push(denseArbitrary(shape));
  return fc.oneof(...choices);
}


function denseArbitrary(shape: readonly number[]): fc.Arbitrary<Encoding> {
  return fc
    .constantFrom(...DTYPES)
    .chain((dtype) => hostTensorArbitrary(dtype, { shape }))
    .map((tensor): Encoding => ({ kind: 'dense', tensor }));
}

function granularityArbitrary(shape: readonly number[]): fc.Arbitrary<Granularity> {
  const choices: fc.Arbitrary<Granularity>[] = [fc.constant({ kind: 'tensor' } as const)];
  if (shape.length > 0) {
    const axes = fc.integer({ min: 0, max: shape.length - 1 });
    choices.push(axes.map((axis): Granularity => ({ kind: 'axis', axis })));
    choices.push(
      axes.chain((axis) =>
        fc
          .integer({ min: 1, max: Math.max(1, shape[axis]! + 1) })
          .map((size): Granularity => ({ kind: 'group', axis, size }))
      )
    );
  }
  return fc.oneof(...choices);
}

function scaleTensorArbitrary(shape: readonly number[]): fc.Arbitrary<HostTensor<'float32' | 'float16'>> {
  return fc.constantFrom('float32', 'float16' as const).chain((dtype) => hostTensorArbitrary(dtype, { shape }));
}

function affineArbitrary(shape: readonly number[]): fc.Arbitrary<Encoding> {
  const size = shapeSize(shape);
  return fc
    .record({ bits: fc.constantFrom(...CODE_WIDTHS), signed: fc.boolean(), granularity: granularityArbitrary(shape) })
    .chain(({ bits, signed, granularity }) => {
      const min = signed ? -(2 ** (bits - 1)) : 0;
      const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
      const parameters = scalesShape(shape, granularity);
      const zeroPoints = fc.option(
        fc
          .constantFrom('int8', 'uint8', 'int16', 'uint16', 'int32' as const)
          .chain((dtype) => hostTensorArbitrary(dtype, { shape: parameters })),
        { nil: undefined }
      );
      // The offset form (code * scale + offset) stands in for zero points some of the time.
      const offsets = fc.option(
        hostTensorArbitrary('float64', { shape: parameters }).map((tensor) => ({
          ...tensor,
          data: tensor.data.map((value) => (Number.isFinite(value) ? value % 1e6 : 0)),
        })),
        { nil: undefined }
      );
      return fc
        .record({
          codes: fc.array(fc.integer({ min, max }), { minLength: size, maxLength: size }),
          scales: scaleTensorArbitrary(parameters),
          zeroPoints,
          offsets,
        })
        .map(
          ({ codes, scales, zeroPoints: points, offsets: shifts }): Encoding => ({
            kind: 'affine',
            shape: [...shape],
            bits,
            signed,
            granularity,
            codes: packBits(codes, bits, signed),
            scales,
            ...(points === undefined ? {} : { zeroPoints: points }),
            ...(points !== undefined || shifts === undefined ? {} : { offsets: shifts }),
          })
        );
    });
}

function codebookArbitrary(shape: readonly number[]): fc.Arbitrary<Encoding> {
  const size = shapeSize(shape);
  return fc
    .constantFrom(...CODE_WIDTHS)
    .chain((bits) =>
      fc.record({ bits: fc.constant(bits), count: fc.integer({ min: 1, max: Math.min(2 ** bits, 24) }) })
    )
    .chain(({ bits, count }) =>
      fc
        .record({
          centroids: scaleTensorArbitrary([count]),
          indices: fc.array(fc.integer({ min: 0, max: count - 1 }), { minLength: size, maxLength: size }),
        })
        .map(
          ({ centroids, indices }): Encoding => ({
            kind: 'codebook',
            shape: [...shape],
            bits,
            centroids,
            indices: packBits(indices, bits, false),
          })
        )
    );
}

type Nested = (shape: readonly number[]) => fc.Arbitrary<Encoding>;

function sparseArbitrary(shape: readonly number[], nested: Nested): fc.Arbitrary<Encoding> {
  const size = shapeSize(shape);
  const pattern = fc.array(fc.boolean(), { minLength: size, maxLength: size });
  const layouts: fc.Arbitrary<{ layout: SparseLayout; count: number }>[] = [
    pattern.map((stored) => ({
      layout: { kind: 'bitmask', mask: packBits(stored.map(Number), 1) },
      count: stored.filter(Boolean).length,
    })),
    fc.record({ stored: pattern, indexBits: fc.constantFrom(1, 2, 3, 8, 16), kind: fc.constantFrom('csr', 'relative') }).map(({ stored, indexBits, kind }) => {
      // The lossless builder lays out CSR or relative indices (fillers included); the values are drawn afterwards.
      const ones = { dtype: 'float32', shape: [...shape], data: Float32Array.from(stored.map(Number)) } as const;
      const built = sparseFromDense(ones, { kind, indexBits });
      return { layout: built.layout, count: encodingShape(built.values)[0]! };
    }),
  ];
  const nmChoices = [1, 2, 3, 4, 8].flatMap((m) =>
    shape.flatMap((dimension, axis) => (dimension % m === 0 ? [{ m, axis }] : []))
  );
  if (nmChoices.length > 0) {
    layouts.push(
      fc
        .constantFrom(...nmChoices)
        .chain(({ m, axis }) =>
          fc.record({ m: fc.constant(m), axis: fc.constant(axis), n: fc.integer({ min: 1, max: m }) })
        )
        .chain(({ m, axis, n }) => {
          const runs = size / m;
          const run = fc
            .shuffledSubarray([...Array(m).keys()], { minLength: n, maxLength: n })
            .map((positions) => positions.sort((a, b) => a - b));
          return fc.array(run, { minLength: runs, maxLength: runs }).map((positions) => ({
            layout: { kind: 'nm', n, m, axis, positions: packBits(positions.flat(), nmPositionBits(m)) } as const,
            count: runs * n,
          }));
        })
    );
  }
  return fc
    .oneof(...layouts)
    .chain(({ layout, count }) =>
      nested([count]).map((values): Encoding => ({ kind: 'sparse', shape: [...shape], layout, values }))
    );
}

function lowRankArbitrary(shape: readonly number[], nested: Nested): fc.Arbitrary<Encoding> {
  const { rows, columns } = matrixDimensions(shape);
  return fc
    .integer({ min: 0, max: 3 })
    .chain((rank) => fc.record({ left: nested([rows, rank]), right: nested([rank, columns]) }))
    .map(({ left, right }): Encoding => ({ kind: 'lowrank', shape: [...shape], left, right }));
}

/**
 * Huffman coding of a random non-empty subset of the symbol streams of a random encoding that
 * has some (affine, codebook, sparse, low-rank).
 */
function entropyArbitrary(shape: readonly number[], depth: number): fc.Arbitrary<Encoding> {
  return encodingOfShapeArbitrary(shape, { kinds: ['affine', 'codebook', 'sparse', 'lowrank'], maxDepth: Math.max(depth, 1) })
    .filter((inner) => symbolStreams(inner).length > 0)
    .chain((inner) =>
      fc
        .subarray(symbolStreams(inner).map((stream) => stream.field), { minLength: 1 })
        .map((fields): Encoding => huffmanEncoding(inner, { fields })),
    );
}
