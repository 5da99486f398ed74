/**
 * A param seen as a matrix, and the two factors of its rank-r truncated SVD: W ≈ A·B with
 * A = U_r·√Σ_r and B = √Σ_r·V_rᵀ, so both factors carry half the scale.
 */
import { WhittleError, decodeToFloat32, isFloatDType, type Param } from '@whittle/core';
import { randomizedSvd, svd, type SingularValueDecomposition } from '../linalg/index.ts';
import type { LowRankSvdStep } from './factorize-options.ts';

/** The matrix shape a param is factorized as: every axis but the last makes the rows. */
export interface MatrixSize {
  readonly rows: number;
  readonly columns: number;
}

/**
 * The rows × columns a param of `shape` is factorized as: a Dense kernel `[in, out]` is in × out,
 * a linear weight `[out, in]` out × in, an embedding `[vocab, dim]` vocab × dim, and a conv kernel
 * `[kh, kw, in, out]` (kh·kw·in) × out, the layout a `lowrank` encoding stores. `undefined` for a
 * param of rank < 2 or with no elements.
 *
 * @example
 * ```ts
 * matrixSize([3, 3, 16, 32]); // { rows: 144, columns: 32 }
 * ```
 */
export function matrixSize(shape: readonly number[]): MatrixSize | undefined {
  if (shape.length < 2 || shape.includes(0)) return undefined;
  const columns = shape[shape.length - 1]!;
  const rows = shape.slice(0, -1).reduce((product, size) => product * size, 1);
  return { rows, columns };
}

/**
 * Why a step leaves `param` alone before looking at its values, or `undefined` when it is a
 * float matrix it may factorize.
 *
 * @example
 * ```ts
 * whyNotAMatrix(biasParam); // 'it has rank 1'
 * ```
 */
export function whyNotAMatrix(param: Param): string | undefined {
  const { value } = param;
  if (param.shape.includes(0)) return 'it has no elements';
  if (param.shape.length < 2) return `it has rank ${param.shape.length}`;
  if (value.kind === 'lowrank') return 'it is already lowrank-encoded';
  if (value.kind === 'dense' && !isFloatDType(value.tensor.dtype)) return `it holds ${value.tensor.dtype} values`;
  return undefined;
}

/**
 * The float32 values of a param as its matrix, row-major (a sparse or quantized param decoded).
 *
 * @example
 * ```ts
 * const values = matrixValues(getParam(model, 'dense/kernel'));
 * ```
 */
export function matrixValues(param: Param): Float32Array {
  return decodeToFloat32(param.value).data;
}

/** The two factors of a truncated SVD, row-major float32: left rows × rank, right rank × columns. */
export interface MatrixFactors {
  readonly rank: number;
  readonly left: Float32Array;
  readonly right: Float32Array;
}

/**
 * The exact thin SVD of a param's matrix, for the criteria that need the whole spectrum.
 *
 * @example
 * ```ts
 * exactDecomposition(values, { rows: 784, columns: 256 }).singularValues;
 * ```
 */
export function exactDecomposition(values: Float32Array, size: MatrixSize): SingularValueDecomposition {
  return svd(values, size);
}

/**
 * The rank-`rank` factors of `values`, from `decomposition` when one is at hand (an exact SVD
 * taken for rank selection), else from a new SVD by `config.method`.
 *
 * @example
 * ```ts
 * const { left, right } = await matrixFactors(values, { rows: 784, columns: 256 }, 16, { kind: 'lowrank.svd', rank: 16, method: 'exact' });
 * ```
 */
export async function matrixFactors(
  values: Float32Array,
  size: MatrixSize,
  rank: number,
  config: LowRankSvdStep,
  decomposition?: SingularValueDecomposition,
): Promise<MatrixFactors> {
  const found =
    decomposition ??
    (config.method === 'randomized'
      ? await randomizedSvd(values, size, {
          rank,
          ...(config.oversampling === undefined ? {} : { oversampling: config.oversampling }),
          ...(config.powerIterations === undefined ? {} : { powerIterations: config.powerIterations }),
          ...(config.seed === undefined ? {} : { seed: config.seed }),
        })
      : svd(values, size));
  return factorsOf(found, rank);
}

/**
 * A = U_r·√Σ_r and B = √Σ_r·V_rᵀ from a decomposition holding at least `rank` triplets.
 *
 * @example
 * ```ts
 * const { left, right } = factorsOf(svd(values, { rows: 4, columns: 3 }), 2);
 * ```
 */
export function factorsOf(decomposition: SingularValueDecomposition, rank: number): MatrixFactors {
  const { rows, columns, count, u, v, singularValues } = decomposition;
  if (!Number.isSafeInteger(rank) || rank < 1 || rank > count) {
    throw new WhittleError('invalid-argument', `rank ${rank} is outside 1…${count}`, { field: 'rank' });
  }
  const scales = new Float64Array(rank);
  for (let index = 0; index < rank; index++) scales[index] = Math.sqrt(singularValues[index]!);
  const left = new Float32Array(rows * rank);
  for (let row = 0; row < rows; row++) {
    for (let index = 0; index < rank; index++) left[row * rank + index] = u[row * count + index]! * scales[index]!;
  }
  const right = new Float32Array(rank * columns);
  for (let index = 0; index < rank; index++) {
    for (let column = 0; column < columns; column++) right[index * columns + column] = scales[index]! * v[column * count + index]!;
  }
  return { rank, left, right };
}
