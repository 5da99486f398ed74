/**
 * Exact thin singular value decomposition: Householder bidiagonalisation then implicit-shift QR
 * (Golub–Kahan), in float64 throughout, so singular values are accurate to about ε·‖A‖ even for
 * ill-conditioned matrices (no eigendecomposition of AᵀA, which would square the condition number).
 */
import { bidiagonalize } from './bidiagonalize.ts';
import { applyQ, householderQr } from './householder-qr.ts';
import { diagonalizeBidiagonal } from './bidiagonal-qr.ts';
import { validateMatrix, type MatrixShape, type MatrixValues } from './matrix-input.ts';

/**
 * A = U·diag(σ)·Vᵀ, thin: `count` = min(rows, columns) singular triplets, or fewer for a
 * truncated (randomized) decomposition.
 */
export interface SingularValueDecomposition {
  /** Rows of the decomposed matrix. */
  readonly rows: number;
  /** Columns of the decomposed matrix. */
  readonly columns: number;
  /** Number of singular triplets held: the column count of `u` and `v`. */
  readonly count: number;
  /** U, `rows × count`, row-major, orthonormal columns. */
  readonly u: Float64Array;
  /** σ, `count` values, non-negative and sorted from largest to smallest. */
  readonly singularValues: Float64Array;
  /** V, `columns × count`, row-major, orthonormal columns (A ≈ U·diag(σ)·Vᵀ). */
  readonly v: Float64Array;
}

/**
 * The exact thin SVD of the row-major `rows × columns` matrix `values` (float32 or float64; it is
 * not modified). Wide matrices are decomposed through their transpose. Throws an
 * `invalid-argument` WhittleError for a non-finite value, a mis-sized array or a bad shape.
 *
 * Work grows as max(rows, columns)·min(rows, columns)², in plain JavaScript on one thread, with
 * U and V formed explicitly; a matrix at least twice as tall as wide is factorized as Q·R first.
 * For a truncated decomposition of a large matrix, {@link randomizedSvd} is far faster.
 *
 * @example
 * ```ts
 * const { singularValues, u, v } = svd(new Float32Array([3, 0, 4, 5]), { rows: 2, columns: 2 });
 * // singularValues ≈ [6.708, 2.236]: √45 and √5
 * ```
 */
export function svd(values: MatrixValues, shape: MatrixShape): SingularValueDecomposition {
  validateMatrix('svd', values, shape);
  const { rows, columns } = shape;
  const transposed = rows < columns;
  const tall = transposed ? columns : rows;
  const narrow = transposed ? rows : columns;

  // Column-major copy of the tall matrix: a row-major wide matrix already is its transpose's
  // column-major layout. Scaling by the largest magnitude keeps squares from overflowing.
  let largest = 0;
  for (let index = 0; index < values.length; index++) largest = Math.max(largest, Math.abs(values[index]!));
  const scale = largest === 0 ? 1 : largest;
  const work = new Float64Array(tall * narrow);
  if (transposed) {
    for (let index = 0; index < work.length; index++) work[index] = values[index]! / scale;
  } else {
    for (let i = 0; i < rows; i++) {
      const source = i * columns;
      for (let j = 0; j < columns; j++) work[j * rows + i] = values[source + j]! / scale;
    }
  }

  const { diagonal, uTransposed, vTransposed } =
    tall >= 2 * narrow ? decomposeThroughQr(work, tall, narrow) : decompose(work, tall, narrow);

  const order = Array.from({ length: narrow }, (_, index) => index);
  order.sort((left, right) => Math.abs(diagonal[right]!) - Math.abs(diagonal[left]!) || left - right);
  const singularValues = new Float64Array(narrow);
  const signs = new Float64Array(narrow);
  for (let target = 0; target < narrow; target++) {
    const value = diagonal[order[target]!]!;
    singularValues[target] = Math.abs(value) * scale;
    // A negative σ moves its sign into V's column.
    signs[target] = value < 0 ? -1 : 1;
  }
  const tallFactor = gatherColumns(uTransposed, tall, narrow, order, undefined);
  const narrowFactor = gatherColumns(vTransposed, narrow, narrow, order, signs);
  return transposed
    ? { rows, columns, count: narrow, u: narrowFactor, singularValues, v: tallFactor }
    : { rows, columns, count: narrow, u: tallFactor, singularValues, v: narrowFactor };
}

/**
 * The row-major `length × count` factor whose column `target` is row `order[target]` of the
 * row-major `transposed` (times `signs[target]`), transposed in tiles that stay in cache.
 */
function gatherColumns(
  transposed: Float64Array,
  length: number,
  count: number,
  order: readonly number[],
  signs: Float64Array | undefined,
): Float64Array {
  const result = new Float64Array(length * count);
  const tile = 32;
  for (let start = 0; start < length; start += tile) {
    const end = Math.min(length, start + tile);
    for (let target = 0; target < count; target++) {
      const source = order[target]! * length;
      const sign = signs === undefined ? 1 : signs[target]!;
      for (let i = start; i < end; i++) result[i * count + target] = sign * transposed[source + i]!;
    }
  }
  return result;
}

/** Signed, unsorted σ with Uᵀ (narrow × tall) and Vᵀ (narrow × narrow), row-major. */
interface RawDecomposition {
  readonly diagonal: Float64Array;
  readonly uTransposed: Float64Array;
  readonly vTransposed: Float64Array;
}

function decompose(work: Float64Array, tall: number, narrow: number): RawDecomposition {
  const { diagonal, superdiagonal, uTransposed, vTransposed } = bidiagonalize(work, tall, narrow);
  diagonalizeBidiagonal(diagonal, superdiagonal, uTransposed, tall, vTransposed);
  return { diagonal, uTransposed, vTransposed };
}

/**
 * A = Q·R first, then R = U_R·Σ·Vᵀ and U = Q·U_R: for a matrix at least twice as tall as wide the
 * QR iteration's rotations then run over R's short columns instead of A's long ones, which
 * roughly halves the work (Chan 1982). Q·U_R is formed by applying Q's reflectors to [U_R; 0],
 * never forming Q itself.
 */
function decomposeThroughQr(work: Float64Array, tall: number, narrow: number): RawDecomposition {
  const scales = householderQr(work, tall, narrow);
  const r = new Float64Array(narrow * narrow);
  for (let j = 0; j < narrow; j++) {
    for (let i = 0; i <= j; i++) r[j * narrow + i] = work[j * tall + i]!;
  }
  const small = decompose(r, narrow, narrow);
  // Row c of Uᵀ is U's column c: Q times U_R's column c padded with zeros.
  const uTransposed = new Float64Array(tall * narrow);
  for (let c = 0; c < narrow; c++) uTransposed.set(small.uTransposed.subarray(c * narrow, (c + 1) * narrow), c * tall);
  applyQ(work, tall, narrow, scales, uTransposed, narrow);
  return { diagonal: small.diagonal, uTransposed, vTransposed: small.vTransposed };
}
