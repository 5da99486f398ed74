/**
 * Randomized truncated SVD (Halko, Martinsson & Tropp 2011, algorithms 4.3–4.4 and 5.1): a
 * seeded Gaussian sketch captures the dominant column space, power iterations with
 * re-orthonormalisation sharpen it, and the exact {@link svd} of the small projection finishes.
 * The products with the large matrix run on tfjs `matMul`, so the wasm and webgpu backends carry
 * them; the small QR and SVD steps run in float64 JavaScript.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WhittleError, requireBackend } from '@whittle/core';
import { gaussianSketch } from './gaussian-sketch.ts';
import { validateMatrix, type MatrixShape, type MatrixValues } from './matrix-input.ts';
import { orthonormalBasis } from './orthonormal-basis.ts';
import { svd, type SingularValueDecomposition } from './svd.ts';

/** Options of {@link randomizedSvd}. */
export interface RandomizedSvdOptions {
  /** Singular triplets to return, 1 … min(rows, columns). */
  readonly rank: number;
  /** Extra sketch columns beyond `rank` (default 10): more gives a better basis. */
  readonly oversampling?: number;
  /** Power iterations q (default 2): each multiplies by AᵀA, so σᵢ decay as σᵢ^(2q+1). At most 64. */
  readonly powerIterations?: number;
  /** Seed of the Gaussian sketch (default 0): equal seeds give equal results on one backend. */
  readonly seed?: number;
}

/** The most power iterations accepted: beyond a handful they no longer improve the basis. */
export const MAX_POWER_ITERATIONS = 64;

/**
 * The rank-`rank` truncated SVD of the row-major `rows × columns` matrix `values`, approximately,
 * by randomized range finding. Needs a tfjs backend (`await useBackend()`); disposes every tensor
 * it makes. The matrix is multiplied in float32; σ and the factors are float64.
 *
 * @example
 * ```ts
 * await useBackend('wasm');
 * const { u, singularValues, v } = await randomizedSvd(weights, { rows: 1024, columns: 1024 }, { rank: 64, seed: 1 });
 * ```
 */
export async function randomizedSvd(
  values: MatrixValues,
  shape: MatrixShape,
  options: RandomizedSvdOptions,
): Promise<SingularValueDecomposition> {
  validateMatrix('randomizedSvd', values, shape);
  const { rows, columns } = shape;
  const smaller = Math.min(rows, columns);
  if (typeof options !== 'object' || options === null) {
    throw new WhittleError('invalid-argument', 'randomizedSvd needs options { rank }', { field: 'options' });
  }
  const rank = integerOption(options.rank, 'rank', 1, smaller, undefined);
  const oversampling = integerOption(options.oversampling, 'oversampling', 0, Number.MAX_SAFE_INTEGER, 10);
  const powerIterations = integerOption(options.powerIterations, 'powerIterations', 0, MAX_POWER_ITERATIONS, 2);
  const seed = integerOption(options.seed, 'seed', -0x80000000, 0xffffffff, 0);
  requireBackend('randomizedSvd');

  const width = Math.min(rank + oversampling, smaller);
  const matrix = tf.tensor2d(values instanceof Float32Array ? values : Float32Array.from(values), [rows, columns]);
  try {
    const sketch = gaussianSketch(columns * width, seed);
    let basis = orthonormalBasis(await product(matrix, sketch, columns, width, false), rows, width);
    for (let iteration = 0; iteration < powerIterations; iteration++) {
      const back = orthonormalBasis(await product(matrix, basis, rows, width, true), columns, width);
      basis = orthonormalBasis(await product(matrix, back, columns, width, false), rows, width);
    }
    // B = Qᵀ·A, width × columns, computed as (Aᵀ·Q)ᵀ.
    const transposedProjection = await product(matrix, basis, rows, width, true);
    const projection = new Float64Array(width * columns);
    for (let j = 0; j < columns; j++) {
      for (let i = 0; i < width; i++) projection[i * columns + j] = transposedProjection[j * width + i]!;
    }
    const small = svd(projection, { rows: width, columns });
    const u = new Float64Array(rows * rank);
    for (let i = 0; i < rows; i++) {
      for (let l = 0; l < width; l++) {
        const weight = basis[i * width + l]!;
        const source = l * small.count;
        for (let r = 0; r < rank; r++) u[i * rank + r]! += weight * small.u[source + r]!;
      }
    }
    const v = new Float64Array(columns * rank);
    for (let j = 0; j < columns; j++) {
      for (let r = 0; r < rank; r++) v[j * rank + r] = small.v[j * small.count + r]!;
    }
    return { rows, columns, count: rank, u, singularValues: small.singularValues.slice(0, rank), v };
  } finally {
    matrix.dispose();
  }
}

/**
 * A·X (`transpose` false, X is columns × width) or Aᵀ·X (X is rows × width) on tfjs, returned
 * row-major. Aᵀ·X is computed as (Xᵀ·A)ᵀ with Xᵀ built on the host: tfjs's transposed-operand
 * matMul on the large matrix runs about ten times slower than a plain one on the wasm backend.
 */
async function product(
  matrix: tf.Tensor2D,
  factor: ArrayLike<number>,
  factorRows: number,
  width: number,
  transpose: boolean,
): Promise<Float32Array> {
  let operand: Float32Array;
  if (transpose) {
    operand = new Float32Array(factorRows * width);
    for (let i = 0; i < factorRows; i++) {
      for (let j = 0; j < width; j++) operand[j * factorRows + i] = factor[i * width + j]!;
    }
  } else {
    operand = Float32Array.from(factor);
  }
  const result = tf.tidy(() =>
    transpose
      ? tf.matMul(tf.tensor2d(operand, [width, factorRows]), matrix)
      : tf.matMul(matrix, tf.tensor2d(operand, [factorRows, width])),
  );
  try {
    const values = (await result.data()) as Float32Array;
    if (!transpose) return values;
    const columns = matrix.shape[1];
    const transposed = new Float32Array(columns * width);
    for (let i = 0; i < width; i++) {
      for (let j = 0; j < columns; j++) transposed[j * width + i] = values[i * columns + j]!;
    }
    return transposed;
  } finally {
    result.dispose();
  }
}

function integerOption(value: unknown, name: string, minimum: number, maximum: number, fallback: number | undefined): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new WhittleError(
      'invalid-argument',
      `randomizedSvd needs ${name} to be an integer from ${minimum} to ${maximum}`,
      { field: `options.${name}` },
    );
  }
  return value;
}
