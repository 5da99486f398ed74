/**
 * Seeded random weights for layers that cannot be initialised from the teacher: Glorot-uniform
 * kernels (the Keras default) from a small deterministic generator, so equal seeds give equal
 * students on every runtime.
 */
import type { HostTensor } from '@whittle/core';

/**
 * The mulberry32 generator: a uniform draw in [0, 1) per call, fixed by `seed`.
 *
 * @example
 * ```ts
 * const next = uniformSource(1);
 * next(); // the same first draw for seed 1 every time
 * ```
 */
export function uniformSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A `[rows, columns]` kernel drawn uniformly from ±√(6 / (rows + columns)) (Glorot & Bengio 2010).
 *
 * @example
 * ```ts
 * const kernel = glorotUniform(16, 48, 7); // a GRU kernel for 16 inputs and 16 units
 * ```
 */
export function glorotUniform(rows: number, columns: number, seed: number): HostTensor<'float32'> {
  const limit = Math.sqrt(6 / (rows + columns));
  const next = uniformSource(seed);
  const data = new Float32Array(rows * columns);
  for (let index = 0; index < data.length; index++) data[index] = (2 * next() - 1) * limit;
  return { dtype: 'float32', shape: [rows, columns], data };
}

/**
 * A float32 tensor of zeros.
 *
 * @example
 * ```ts
 * zeros([48]); // a GRU bias
 * ```
 */
export function zeros(shape: readonly number[]): HostTensor<'float32'> {
  return { dtype: 'float32', shape: [...shape], data: new Float32Array(shape.reduce((total, size) => total * size, 1)) };
}
