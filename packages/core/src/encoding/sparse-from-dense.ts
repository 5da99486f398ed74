/**
 * Lossless sparse encodings built from dense float32 tensors. An element is stored when its bit
 * pattern is not +0, so -0 and NaN survive the round trip bit-exactly.
 */
import { checkEntriesBound } from '../tensor/shape-limits.ts';
import { WhittleError } from '../errors.ts';
import { validateHostTensor, type HostTensor } from '../tensor/host-tensor.ts';
import { describeValue, normalizeAxis } from '../tensor/shape.ts';
import { isValidBits, packBits } from './bit-pack.ts';
import { denseEncoding } from './dense.ts';
import { matrixDimensions } from './matrix-shape.ts';
import { sparseEncoding } from './sparse.ts';
import { MAX_NM_M, nmPositionBits, nmRuns } from './sparse-layout.ts';
import type { Encoding, SparseEncoding, SparseLayout } from './types.ts';

/** The layout `sparseFromDense` builds, with its parameters. */
export type SparseLayoutRequest =
  | { readonly kind: 'bitmask' }
  | { readonly kind: 'csr'; readonly indexBits: number }
  /** Relative indices over the flattened tensor, without row pointers. */
  | { readonly kind: 'relative'; readonly indexBits: number }
  /** `axis` defaults to the last axis. */
  | { readonly kind: 'nm'; readonly n: number; readonly m: number; readonly axis?: number };

/**
 * Encodes a dense float32 tensor losslessly as a sparse encoding with the requested layout. CSR
 * (within each row) and relative (over the flattened tensor) bridge runs of more than
 * 2^indexBits - 1 zeros with zero-valued filler entries (Deep Compression); N:M throws `invalid-argument` when a run holds more than `n` nonzeros, and pads
 * runs with fewer using zero entries at the first free positions. The stored values (in layout
 * order) are encoded by `valuesEncoder`, dense float32 by default.
 *
 * @example
 * ```ts
 * const tensor = { dtype: 'float32', shape: [2, 4], data: new Float32Array([0, 1, 0, 2, 3, 0, 0, 4]) } as const;
 * const twoFour = sparseFromDense(tensor, { kind: 'nm', n: 2, m: 4 });
 * const csr = sparseFromDense(tensor, { kind: 'csr', indexBits: 1 });
 * const relative = sparseFromDense(tensor, { kind: 'relative', indexBits: 2 });
 * ```
 */
export function sparseFromDense(
  tensor: HostTensor<'float32'>,
  layout: SparseLayoutRequest,
  valuesEncoder: (values: HostTensor<'float32'>) => Encoding = denseEncoding
): SparseEncoding {
  validateHostTensor(tensor, { field: 'tensor' });
  if (tensor.dtype !== 'float32') {
    throw new WhittleError('invalid-argument', `expected a float32 tensor, got ${describeValue(tensor.dtype)}`, {
      field: 'tensor.dtype',
    });
  }
  // Comparing bit patterns (not values) keeps -0 as a stored entry.
  const words = new Uint32Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.length);
  const built = buildLayout(tensor.shape, words, tensor.data, layout);
  const values = valuesEncoder({ dtype: 'float32', shape: [built.values.length], data: built.values });
  return sparseEncoding({ shape: tensor.shape, layout: built.layout, values });
}

interface Built {
  readonly layout: SparseLayout;
  readonly values: Float32Array;
}

function buildLayout(
  shape: readonly number[],
  words: Uint32Array,
  data: Float32Array,
  request: SparseLayoutRequest
): Built {
  // Typed callers cannot reach the default branch; JavaScript callers can.
  const kind: unknown = (request as { kind?: unknown } | undefined)?.kind;
  switch (request?.kind) {
    case 'bitmask':
      return buildBitmask(words, data);
    case 'csr':
      return buildCsr(shape, words, data, request.indexBits);
    case 'relative':
      return buildRelative(words, data, request.indexBits);
    case 'nm':
      return buildNm(shape, words, data, request);
    default:
      throw new WhittleError('invalid-argument', `layout kind must be bitmask, csr, relative or nm, got ${describeValue(kind)}`, {
        field: 'layout.kind',
      });
  }
}

function buildBitmask(words: Uint32Array, data: Float32Array): Built {
  const mask = new Uint8Array(Math.ceil(words.length / 8));
  let count = 0;
  for (let index = 0; index < words.length; index++) {
    if (words[index] !== 0) {
      mask[index >>> 3] = mask[index >>> 3]! | (1 << (index & 7));
      count++;
    }
  }
  const values = new Float32Array(count);
  for (let index = 0, entry = 0; index < words.length; index++) if (words[index] !== 0) values[entry++] = data[index]!;
  return { layout: { kind: 'bitmask', mask }, values };
}

function checkIndexBits(indexBits: number): void {
  if (!isValidBits(indexBits)) {
    throw new WhittleError('invalid-argument', `indexBits must be 1–8 or 16, got ${describeValue(indexBits)}`, {
      field: 'layout.indexBits',
    });
  }
}

function buildCsr(shape: readonly number[], words: Uint32Array, data: Float32Array, indexBits: number): Built {
  checkIndexBits(indexBits);
  const { rows, columns } = matrixDimensions(shape);
  checkEntriesBound(rows, words.length);
  // A filler consumes the largest gap plus its own column.
  const span = 2 ** indexBits;
  const rowPointers = new Uint32Array(rows + 1);
  let count = 0;
  for (let row = 0; row < rows; row++) {
    let previous = -1;
    for (let column = 0; column < columns; column++) {
      if (words[row * columns + column] === 0) continue;
      count += Math.floor((column - previous - 1) / span) + 1;
      previous = column;
    }
    rowPointers[row + 1] = count;
  }
  const gaps = new Int32Array(count);
  const values = new Float32Array(count);
  let entry = 0;
  for (let row = 0; row < rows; row++) {
    let previous = -1;
    for (let column = 0; column < columns; column++) {
      const index = row * columns + column;
      if (words[index] === 0) continue;
      let skipped = column - previous - 1;
      for (; skipped >= span; skipped -= span) gaps[entry++] = span - 1; // filler: value stays 0
      gaps[entry] = skipped;
      values[entry++] = data[index]!;
      previous = column;
    }
  }
  return { layout: { kind: 'csr', indexBits, gaps: packBits(gaps, indexBits, false), rowPointers }, values };
}

function buildRelative(words: Uint32Array, data: Float32Array, indexBits: number): Built {
  checkIndexBits(indexBits);
  // A filler consumes the largest gap plus its own element.
  const span = 2 ** indexBits;
  let count = 0;
  let previous = -1;
  for (let index = 0; index < words.length; index++) {
    if (words[index] === 0) continue;
    count += Math.floor((index - previous - 1) / span) + 1;
    previous = index;
  }
  const gaps = new Int32Array(count);
  const values = new Float32Array(count);
  let entry = 0;
  previous = -1;
  for (let index = 0; index < words.length; index++) {
    if (words[index] === 0) continue;
    let skipped = index - previous - 1;
    for (; skipped >= span; skipped -= span) gaps[entry++] = span - 1; // filler: value stays 0
    gaps[entry] = skipped;
    values[entry++] = data[index]!;
    previous = index;
  }
  return { layout: { kind: 'relative', indexBits, count, gaps: packBits(gaps, indexBits, false) }, values };
}

function buildNm(
  shape: readonly number[],
  words: Uint32Array,
  data: Float32Array,
  request: { readonly n: number; readonly m: number; readonly axis?: number }
): Built {
  const { n, m } = request;
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < n || m > MAX_NM_M) {
    throw new WhittleError(
      'invalid-argument',
      `N:M needs integers 1 ≤ n ≤ m ≤ ${MAX_NM_M}, got ${describeValue(n)}:${describeValue(m)}`,
      {
        field: 'layout',
      }
    );
  }
  if (shape.length === 0)
    throw new WhittleError('invalid-argument', 'N:M needs a tensor of rank ≥ 1', { field: 'tensor.shape' });
  const axis = normalizeAxis(request.axis ?? -1, shape.length, 'layout.axis');
  const { outer, length, inner, runsPerLine, runCount } = nmRuns(shape, axis, m);
  if (length % m !== 0) {
    throw new WhittleError('invalid-argument', `axis ${axis} of length ${length} is not a multiple of m = ${m}`, {
      field: 'layout.m',
    });
  }
  const positions = new Int32Array(runCount * n);
  const values = new Float32Array(runCount * n);
  let entry = 0;
  for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
    for (let run = 0; run < runsPerLine; run++) {
      for (let innerIndex = 0; innerIndex < inner; innerIndex++) {
        const first = (outerIndex * length + run * m) * inner + innerIndex;
        let nonzeros = 0;
        for (let offset = 0; offset < m; offset++) if (words[first + offset * inner] !== 0) nonzeros++;
        if (nonzeros > n) {
          throw new WhittleError(
            'invalid-argument',
            `a run along axis ${axis} starting at element ${first} holds ${nonzeros} nonzeros, more than n = ${n}`,
            {
              field: 'tensor',
            }
          );
        }
        // Runs with fewer nonzeros store zeros at their first free positions to keep n per run.
        let padding = n - nonzeros;
        for (let offset = 0; offset < m; offset++) {
          const stored = words[first + offset * inner] !== 0;
          if (!stored && padding === 0) continue;
          if (!stored) padding--;
          positions[entry] = offset;
          values[entry++] = data[first + offset * inner]!;
        }
      }
    }
  }
  return { layout: { kind: 'nm', n, m, axis, positions: packBits(positions, nmPositionBits(m), false) }, values };
}
