/**
 * Test support: small models and plain reference maths for the unstructured pruning tests.
 */
import fc from 'fast-check';
import { createModel, denseEncoding, type Model, type ParamRole } from '@whittle/core';

/** One tensor of a generated model. */
export interface TestTensor {
  readonly name: string;
  readonly role: ParamRole;
  readonly shape: readonly number[];
  readonly values: readonly number[];
}

/** Weights with many ties, zeros of both signs, infinities and subnormals. */
export const weightValue: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, -0.5, 2 ** -140),
  fc.float({ noNaN: true }),
);

/** 1 to 4 Dense kernels of 1–8 × 1–9 weights, named `dense_K/kernel`. */
export const denseTensorsArbitrary: fc.Arbitrary<TestTensor[]> = fc.array(
  fc
    .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 9 }))
    .chain(([rows, columns]) => fc.tuple(fc.constant([rows, columns]), fc.array(weightValue, { minLength: rows * columns, maxLength: rows * columns }))),
  { minLength: 1, maxLength: 4 },
).map((tensors) => tensors.map(([shape, values], index) => ({ name: `dense_${index}/kernel`, role: 'dense-kernel' as const, shape, values })));

/**
 * A model of `tensors` (float32, with their roles), plus a bias the default roles leave alone.
 *
 * @example
 * ```ts
 * const model = modelOf([{ name: 'dense/kernel', role: 'dense-kernel', shape: [2, 2], values: [1, 2, 3, 4] }]);
 * ```
 */
export function modelOf(tensors: readonly TestTensor[]): Model {
  return createModel({
    format: 'safetensors',
    params: [
      ...tensors.map(({ name, role, shape, values }) => ({
        name,
        role,
        value: denseEncoding({ dtype: 'float32', shape: [...shape], data: Float32Array.from(values) }),
      })),
      { name: 'out/bias', role: 'bias' as const, value: denseEncoding({ dtype: 'float32', shape: [3], data: new Float32Array([0, 0.001, -0]) }) },
    ],
  });
}

/**
 * Reference: `values` as float32 with the `count` of lowest |value| set to +0 (ties to the lower
 * index, found by sorting), and every other zero +0 too.
 *
 * @example
 * ```ts
 * referencePrune([3, -1, 2], 1); // [3, 0, 2]
 * ```
 */
export function referencePrune(values: readonly number[], count: number): number[] {
  const rounded = Array.from(Float32Array.from(values));
  const order = rounded.map((value, index) => ({ magnitude: Math.abs(value), index }));
  order.sort((a, b) => a.magnitude - b.magnitude || a.index - b.index);
  for (const { index } of order.slice(0, count)) rounded[index] = 0;
  return rounded.map((value) => (value === 0 ? 0 : value));
}
