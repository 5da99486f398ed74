/**
 * Plain reference maths for the linear-algebra tests: written the textbook way, independent of
 * the kernels under test.
 */

/** A seeded uniform stream in [0, 1) (a linear congruential generator). */
export function seededUniform(seed: number): () => number {
  let state = (seed >>> 0) || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** `count` standard normals by the Box–Muller transform of {@link seededUniform}. */
export function seededNormals(count: number, seed: number): Float64Array {
  const uniform = seededUniform(seed);
  const result = new Float64Array(count);
  for (let index = 0; index < count; index++) {
    result[index] = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return result;
}

/** A random `rows × columns` matrix (rows ≥ columns) with orthonormal columns, by twice-run Gram–Schmidt. */
export function randomOrthonormal(rows: number, columns: number, seed: number): Float64Array {
  const gaussian = seededNormals(rows * columns, seed);
  const result = new Float64Array(rows * columns);
  for (let j = 0; j < columns; j++) {
    const column = Array.from({ length: rows }, (_, i) => gaussian[i * columns + j]!);
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += result[i * columns + k]! * column[i]!;
        for (let i = 0; i < rows; i++) column[i]! -= dot * result[i * columns + k]!;
      }
    }
    const norm = Math.sqrt(column.reduce((sum, value) => sum + value * value, 0));
    for (let i = 0; i < rows; i++) result[i * columns + j] = column[i]! / norm;
  }
  return result;
}

/** Q₁·diag(σ)·Q₂ᵀ for random orthonormal Q₁ (rows × k), Q₂ (columns × k): a matrix with known σ. */
export function matrixWithSpectrum(rows: number, columns: number, sigma: readonly number[], seed: number): Float64Array {
  const k = sigma.length;
  const left = randomOrthonormal(rows, k, seed);
  const right = randomOrthonormal(columns, k, seed + 7919);
  const result = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      let sum = 0;
      for (let l = 0; l < k; l++) sum += left[i * k + l]! * sigma[l]! * right[j * k + l]!;
      result[i * columns + j] = sum;
    }
  }
  return result;
}

/** ‖A − U_r·diag(σ_r)·V_rᵀ‖_F using the first `rank` columns of row-major U (rows × count) and V. */
export function truncationError(
  matrix: ArrayLike<number>,
  rows: number,
  columns: number,
  decomposition: { count: number; u: Float64Array; singularValues: Float64Array; v: Float64Array },
  rank: number,
): number {
  const { count, u, singularValues, v } = decomposition;
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      let value = 0;
      for (let l = 0; l < rank; l++) value += u[i * count + l]! * singularValues[l]! * v[j * count + l]!;
      const difference = matrix[i * columns + j]! - value;
      sum += difference * difference;
    }
  }
  return Math.sqrt(sum);
}

/** max |(XᵀX)ᵢⱼ − δᵢⱼ| for row-major X (rows × columns): how far its columns are from orthonormal. */
export function orthonormalityError(factor: Float64Array, rows: number, columns: number): number {
  let worst = 0;
  for (let a = 0; a < columns; a++) {
    for (let b = a; b < columns; b++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += factor[i * columns + a]! * factor[i * columns + b]!;
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

/** ‖A‖_F² summed plainly. */
export function frobeniusSquared(matrix: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < matrix.length; index++) sum += matrix[index]! * matrix[index]!;
  return sum;
}
