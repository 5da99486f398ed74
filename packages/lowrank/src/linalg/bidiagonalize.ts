/**
 * Householder bidiagonalisation (Golub & Kahan 1965) of a tall matrix held column by column, with
 * the left reflection of one step, the right reflection of the step before it and the product
 * that builds the next right reflection fused into a single pass over the trailing matrix. Each
 * column is loaded once per step and worked on while it sits in the L1 cache, where applying
 * the two reflections one after the other would stream the whole trailing matrix four times.
 */
import { makeReflector } from './householder.ts';
import { applyReflectorProduct } from './reflector-product.ts';
import { dot, subtractScaled } from './vector-kernels.ts';

/** A = U·B·Vᵀ with B upper bidiagonal; the factors are returned transposed. */
export interface Bidiagonalization {
  /** B's diagonal, `columns` values. */
  readonly diagonal: Float64Array;
  /** B's superdiagonal, `columns − 1` values (one spare slot at the end, always 0). */
  readonly superdiagonal: Float64Array;
  /** Uᵀ, row-major `columns × rows`: row j is U's column j, contiguous. */
  readonly uTransposed: Float64Array;
  /** Vᵀ, row-major `columns × columns`: row j is V's column j. */
  readonly vTransposed: Float64Array;
}

/**
 * Right reflections whose row norm is below this have their product A·v recomputed directly:
 * the fused pass forms A·x before x is scaled, and tiny x would lose A·v to underflow.
 */
const DIRECT_PRODUCT_BELOW = 2 ** -400;

/**
 * Bidiagonalises the column-major `rows × columns` matrix `a` (rows ≥ columns), overwriting it
 * with the left reflectors, and returns B with the orthonormal factors formed explicitly.
 *
 * @example
 * ```ts
 * // the 2×2 matrix [[3, 0], [4, 5]], column by column
 * const { diagonal, superdiagonal } = bidiagonalize(new Float64Array([3, 4, 0, 5]), 2, 2);
 * ```
 */
export function bidiagonalize(a: Float64Array, rows: number, columns: number): Bidiagonalization {
  const diagonal = new Float64Array(columns);
  const superdiagonal = new Float64Array(columns);
  const leftScale = new Float64Array(columns);
  const rightScale = new Float64Array(columns);
  // Right reflector k lives in row k of `right`, in columns k+1 … columns−1.
  const right = new Float64Array(columns * columns);
  // The right reflection of the previous step, not yet applied: A(k:, k:) −= pendingScale·w·vᵀ.
  const product = new Float64Array(rows);
  // Σⱼ xⱼ·aⱼ over the columns of the current step, x being row k after the left reflection.
  const rowCombination = new Float64Array(rows);
  let pendingScale = 0;

  for (let k = 0; k < columns; k++) {
    const column = k * rows;
    const pending = (k - 1) * columns;
    const length = rows - k;
    if (pendingScale !== 0) subtractScaled(a, column + k, product, k, length, pendingScale * right[pending + k]!);
    const { beta, scale } = makeReflector(a, column + k, length);
    leftScale[k] = scale;
    diagonal[k] = beta;
    if (k === columns - 1) break;

    rowCombination.fill(0, k + 1);
    const reflector = k * columns;
    let j = k + 1;
    if (scale !== 0 && pendingScale !== 0) {
      // Two columns to a pass share the loads of the reflector, the pending product and the sum.
      for (; j + 1 < columns; j += 2) {
        stepColumnPair(a, j * rows + k, rows, product, column + k, length, pendingScale * right[pending + j]!, pendingScale * right[pending + j + 1]!, scale, rowCombination, right, reflector + j);
      }
    }
    for (; j < columns; j++) {
      const target = j * rows;
      const rightFactor = pendingScale === 0 ? 0 : pendingScale * right[pending + j]!;
      const projection = scale === 0 ? 0 : updateAndProject(a, target + k, product, k, a, column + k, length, rightFactor);
      if (scale === 0 && rightFactor !== 0) subtractScaled(a, target + k, product, k, length, rightFactor);
      right[reflector + j] = reflectAndAccumulate(a, target + k, column + k, length, scale * projection, rowCombination, k);
    }

    const head = right[reflector + k + 1]!;
    const { beta: rowBeta, scale: rowScale } = makeReflector(right, reflector + k + 1, columns - k - 1);
    rightScale[k] = rowScale;
    superdiagonal[k] = rowBeta;
    pendingScale = rowScale;
    if (rowScale === 0) continue;
    // v = (x − β·e₁)/(x₀ − β), so A·v = (A·x − β·a_{k+1})/(x₀ − β), A·x being the sum just formed.
    const first = (k + 1) * rows;
    if (Math.abs(rowBeta) >= DIRECT_PRODUCT_BELOW) {
      const pivot = head - rowBeta;
      for (let i = k + 1; i < rows; i++) product[i] = (rowCombination[i]! - rowBeta * a[first + i]!) / pivot;
    } else {
      product.fill(0, k + 1);
      for (let j = k + 1; j < columns; j++) {
        subtractScaled(product, k + 1, a, j * rows + k + 1, rows - k - 1, -right[reflector + j]!);
      }
    }
  }

  // Back-accumulation from the identity: U = H_0·…·H_{n−1}·[I; 0], V likewise from the right reflectors.
  const u = new Float64Array(rows * columns);
  for (let j = 0; j < columns; j++) u[j * rows + j] = 1;
  applyReflectorProduct({ data: a, stride: rows, headShift: 0, scales: leftScale, count: columns }, u, rows, columns, true);
  const v = new Float64Array(columns * columns);
  for (let j = 0; j < columns; j++) v[j * columns + j] = 1;
  applyReflectorProduct(
    { data: right, stride: columns, headShift: 1, scales: rightScale, count: columns - 1 },
    v,
    columns,
    columns,
    true,
  );
  return { diagonal, superdiagonal, uTransposed: u, vTransposed: v };
}

/**
 * target −= rightFactor·pending over `length` entries, then returns the dot product of the
 * updated target with the reflector, in the same loop.
 */
function updateAndProject(
  matrix: Float64Array,
  targetStart: number,
  pending: Float64Array,
  pendingStart: number,
  reflector: Float64Array,
  reflectorStart: number,
  length: number,
  rightFactor: number,
): number {
  if (rightFactor === 0) return dot(reflector, reflectorStart, matrix, targetStart, length);
  let sum0 = 0;
  let sum1 = 0;
  const pendingOffset = pendingStart - targetStart;
  const reflectorOffset = reflectorStart - targetStart;
  const end = targetStart + length;
  let index = targetStart;
  for (; index + 1 < end; index += 2) {
    const first = matrix[index]! - rightFactor * pending[index + pendingOffset]!;
    const second = matrix[index + 1]! - rightFactor * pending[index + pendingOffset + 1]!;
    matrix[index] = first;
    matrix[index + 1] = second;
    sum0 += reflector[index + reflectorOffset]! * first;
    sum1 += reflector[index + reflectorOffset + 1]! * second;
  }
  if (index < end) {
    const value = matrix[index]! - rightFactor * pending[index + pendingOffset]!;
    matrix[index] = value;
    sum0 += reflector[index + reflectorOffset]! * value;
  }
  return sum0 + sum1;
}

/**
 * Applies the left reflection (whose head, 1, sits at `reflectorStart`) to the column at
 * `targetStart`, adds the column below its head times its head to `rowCombination` (from index
 * `row` + 1) and returns the head: the column's entry in row `row`.
 */
function reflectAndAccumulate(
  a: Float64Array,
  targetStart: number,
  reflectorStart: number,
  length: number,
  factor: number,
  rowCombination: Float64Array,
  row: number,
): number {
  const head = a[targetStart]! - factor;
  a[targetStart] = head;
  const offset = reflectorStart - targetStart;
  const combinationOffset = row - targetStart;
  const end = targetStart + length;
  if (head === 0) {
    if (factor !== 0) for (let index = targetStart + 1; index < end; index++) a[index]! -= factor * a[index + offset]!;
    return head;
  }
  for (let index = targetStart + 1; index < end; index++) {
    const value = a[index]! - factor * a[index + offset]!;
    a[index] = value;
    rowCombination[index + combinationOffset]! += head * value;
  }
  return head;
}

/**
 * One step on the adjacent columns at `first` and `first + stride`: the pending right reflection
 * (factors `firstFactor`, `secondFactor` times `pending`), the left reflection at
 * `reflectorStart` (head 1, `scale`), and both columns below their heads, times their heads,
 * added to `rowCombination`; the heads are written to `heads[headIndex]` and the next slot.
 */
function stepColumnPair(
  a: Float64Array,
  first: number,
  stride: number,
  pending: Float64Array,
  reflectorStart: number,
  length: number,
  firstFactor: number,
  secondFactor: number,
  scale: number,
  rowCombination: Float64Array,
  heads: Float64Array,
  headIndex: number,
): void {
  // `first` sits at row k of its column, as do the reflector's head and pending[k].
  const row = first % stride;
  const pendingOffset = row - first;
  const reflectorOffset = reflectorStart - first;
  const end = first + length;
  let firstSum = 0;
  let secondSum = 0;
  for (let index = first; index < end; index++) {
    const weight = pending[index + pendingOffset]!;
    const reflector = a[index + reflectorOffset]!;
    const x = a[index]! - firstFactor * weight;
    const y = a[index + stride]! - secondFactor * weight;
    a[index] = x;
    a[index + stride] = y;
    firstSum += reflector * x;
    secondSum += reflector * y;
  }
  const firstProjection = scale * firstSum;
  const secondProjection = scale * secondSum;
  const firstHead = a[first]! - firstProjection;
  const secondHead = a[first + stride]! - secondProjection;
  a[first] = firstHead;
  a[first + stride] = secondHead;
  for (let index = first + 1; index < end; index++) {
    const reflector = a[index + reflectorOffset]!;
    const x = a[index]! - firstProjection * reflector;
    const y = a[index + stride]! - secondProjection * reflector;
    a[index] = x;
    a[index + stride] = y;
    rowCombination[index + pendingOffset]! += firstHead * x + secondHead * y;
  }
  heads[headIndex] = firstHead;
  heads[headIndex + 1] = secondHead;
}
