/**
 * fast-check arbitraries of whole models, for properties of recipe steps: params of every role,
 * stored dense (float32, float16, bfloat16, float64, int32), sparse with float values, or already
 * compressed (affine, codebook, low-rank), empty tensors included.
 */
import fc from 'fast-check';
import { castDense, denseEncoding } from '../encoding/dense.ts';
import { sparseFromDense } from '../encoding/sparse-from-dense.ts';
import type { Encoding } from '../encoding/types.ts';
import { createModel } from '../model/create-model.ts';
import { PARAM_ROLES } from '../model/param-roles.ts';
import type { Model } from '../model/types.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { shapeSize } from '../tensor/shape.ts';
import { encodingOfShapeArbitrary } from './encoding-arbitraries.ts';
import { shapeArbitrary, type ShapeOptions } from './tensor-arbitraries.ts';

/** Options for generated models. */
export interface ModelOptions extends ShapeOptions {
  /** Most params (default 5); at least one. */
  readonly maxParams?: number;
  /**
   * Largest magnitude of a float weight (default 1000, inside float16's range): every float a
   * model holds is finite, so steps that refuse NaN, infinities or overflow accept it.
   */
  readonly maxMagnitude?: number;
}

/**
 * Models of 1 to `maxParams` params named `layer0/w` …, each with a random role and a random
 * storage: dense floats of every float dtype, int32, sparse (bitmask, CSR, relative or 2:4 when
 * the last axis allows) with float32 values, or an affine, codebook or low-rank encoding.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(modelArbitrary(), (model) => countParams(model) >= 0));
 * ```
 */
export function modelArbitrary(options: ModelOptions = {}): fc.Arbitrary<Model> {
  const param = shapeArbitrary({ maxRank: 3, maxDimension: 6, ...options }).chain((shape) =>
    fc.record({ role: fc.constantFrom(...PARAM_ROLES), value: storedArbitrary(shape, options.maxMagnitude ?? 1000) }),
  );
  return fc.array(param, { minLength: 1, maxLength: options.maxParams ?? 5 }).map((params) =>
    createModel({
      format: 'checkpoint',
      params: params.map(({ role, value }, index) => ({ name: `layer${index}/w`, role, value })),
    }),
  );
}

function storedArbitrary(shape: readonly number[], maxMagnitude: number): fc.Arbitrary<Encoding> {
  const floats = finiteTensor(shape, maxMagnitude, 0.2);
  const choices: fc.Arbitrary<Encoding>[] = [
    floats.map((tensor) => denseEncoding(tensor)),
    floats.map((tensor) => castDense(tensor, 'float16')),
    floats.map((tensor) => castDense(tensor, 'bfloat16')),
    floats.map((tensor) => denseEncoding({ dtype: 'float64', shape: tensor.shape, data: Float64Array.from(tensor.data) })),
    fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: shapeSize(shape), maxLength: shapeSize(shape) })
      .map((values) => denseEncoding({ dtype: 'int32', shape: [...shape], data: Int32Array.from(values) })),
    finiteTensor(shape, maxMagnitude, 0.7).chain((tensor) =>
      fc.constantFrom(...sparseLayouts(shape)).map((layout) => sparseFromDense(layout.kind === 'nm' ? twoOfFour(tensor) : tensor, layout) as Encoding),
    ),
    encodingOfShapeArbitrary(shape, { kinds: ['affine', 'codebook', 'lowrank'], maxDepth: 1 }),
  ];
  return fc.oneof(...choices);
}

function sparseLayouts(shape: readonly number[]) {
  const last = shape.at(-1);
  return [
    { kind: 'bitmask' } as const,
    { kind: 'csr', indexBits: 2 } as const,
    { kind: 'relative', indexBits: 3 } as const,
    ...(last !== undefined && last % 4 === 0 ? [{ kind: 'nm', n: 2, m: 4 } as const] : []),
  ];
}

/** The tensor with every run of 4 along the last axis cut to its first 2 nonzeros. */
function twoOfFour(tensor: HostTensor<'float32'>): HostTensor<'float32'> {
  const data = Float32Array.from(tensor.data);
  for (let start = 0; start < data.length; start += 4) {
    let kept = 0;
    for (let offset = start; offset < start + 4; offset++) {
      // -0 is a stored entry too (sparse layouts compare bit patterns).
      if (!Object.is(data[offset], 0) && ++kept > 2) data[offset] = 0;
    }
  }
  return { ...tensor, data };
}

/** Finite float32 values of `shape`, a `zeroFraction` of them zero (an N:M run may hold too many nonzeros otherwise). */
function finiteTensor(shape: readonly number[], maxMagnitude: number, zeroFraction: number): fc.Arbitrary<HostTensor<'float32'>> {
  const size = shapeSize(shape);
  const value = fc.float({ min: Math.fround(-maxMagnitude), max: Math.fround(maxMagnitude), noNaN: true, noDefaultInfinity: true });
  const zeroWeight = Math.round(zeroFraction * 100);
  const element = fc.oneof({ arbitrary: fc.constant(0), weight: zeroWeight }, { arbitrary: value, weight: 100 - zeroWeight });
  return fc.array(element, { minLength: size, maxLength: size }).map((values) => ({ dtype: 'float32', shape: [...shape], data: Float32Array.from(values) }));
}
