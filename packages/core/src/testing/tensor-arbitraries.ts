/**
 * fast-check arbitraries for shapes, typed data and HostTensors. Shapes stay small by default
 * to keep suites fast.
 */
import fc from 'fast-check';
import type { DType, TypedArrayByDType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { shapeSize } from '../tensor/shape.ts';

/** Bounds for generated shapes. */
export interface ShapeOptions {
  readonly minRank?: number;
  readonly maxRank?: number;
  readonly minDimension?: number;
  readonly maxDimension?: number;
}

/**
 * Shapes of rank 0–3 with dimensions 0–5 by default.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(shapeArbitrary({ minRank: 1 }), (shape) => shape.length >= 1));
 * ```
 */
export function shapeArbitrary(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const dimension = fc.integer({ min: options.minDimension ?? 0, max: options.maxDimension ?? 5 });
  return fc.array(dimension, { minLength: options.minRank ?? 0, maxLength: options.maxRank ?? 3 });
}

/**
 * Typed-array data of exactly `length` elements for `dtype`, covering every bit pattern the
 * dtype allows (NaN, ±0 and infinities for floats; raw 16-bit patterns for float16/bfloat16).
 *
 * @example
 * ```ts
 * fc.sample(typedDataArbitrary('int8', 4), 1)[0]; // Int8Array(4)
 * ```
 */
export function typedDataArbitrary<D extends DType>(dtype: D, length: number): fc.Arbitrary<TypedArrayByDType[D]> {
  const exactly = { minLength: length, maxLength: length };
  const integers = (min: number, max: number) => fc.array(fc.integer({ min, max }), exactly);
  const arbitraries: { [K in DType]: fc.Arbitrary<TypedArrayByDType[K]> } = {
    float64: fc.float64Array(exactly),
    float32: fc.float32Array(exactly),
    float16: integers(0, 0xffff).map((values) => Uint16Array.from(values)),
    bfloat16: integers(0, 0xffff).map((values) => Uint16Array.from(values)),
    int32: fc.int32Array(exactly),
    int16: fc.int16Array(exactly),
    uint16: fc.uint16Array(exactly),
    int8: fc.int8Array(exactly),
    uint8: fc.uint8Array(exactly),
    bool: integers(0, 1).map((values) => Uint8Array.from(values)),
  };
  return arbitraries[dtype] as fc.Arbitrary<TypedArrayByDType[D]>;
}

/**
 * HostTensors of `dtype`, of a given `shape` or a generated one.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(hostTensorArbitrary('float16'), (tensor) => tensor.data instanceof Uint16Array));
 * ```
 */
export function hostTensorArbitrary<D extends DType>(
  dtype: D,
  options: ShapeOptions & { readonly shape?: readonly number[] } = {}
): fc.Arbitrary<HostTensor<D>> {
  const shapes = options.shape === undefined ? shapeArbitrary(options) : fc.constant([...options.shape]);
  return shapes.chain((shape) =>
    typedDataArbitrary(dtype, shapeSize(shape)).map((data): HostTensor<D> => ({ dtype, shape, data }))
  );
}

/**
 * float32 tensors where each element is zero with probability about `zeroFraction` (default ½),
 * and otherwise any float32 including -0 and NaN: inputs for pruning and sparse layouts.
 *
 * @example
 * ```ts
 * fc.sample(sparseTensorArbitrary({ zeroFraction: 0.9 }), 1);
 * ```
 */
export function sparseTensorArbitrary(
  options: ShapeOptions & { readonly shape?: readonly number[]; readonly zeroFraction?: number } = {}
): fc.Arbitrary<HostTensor<'float32'>> {
  const zeroWeight = Math.round((options.zeroFraction ?? 0.5) * 100);
  const element = fc.oneof(
    { arbitrary: fc.constant(0), weight: zeroWeight },
    { arbitrary: fc.float(), weight: 100 - zeroWeight }
  );
  const shapes = options.shape === undefined ? shapeArbitrary(options) : fc.constant([...options.shape]);
  return shapes.chain((shape) =>
    fc
      .array(element, { minLength: shapeSize(shape), maxLength: shapeSize(shape) })
      .map((values): HostTensor<'float32'> => ({ dtype: 'float32', shape, data: Float32Array.from(values) }))
  );
}
