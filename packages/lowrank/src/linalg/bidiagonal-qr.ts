/**
 * Implicit-shift QR on an upper bidiagonal matrix (Golub & Kahan 1965; Golub & Van Loan,
 * "Matrix Computations", §8.6): Wilkinson-shifted sweeps chase a bulge down the diagonal until
 * every superdiagonal entry is negligible, and the rotations are applied to U's and V's columns,
 * held as the rows of Uᵀ and Vᵀ.
 */
import { WhittleError } from '@whittle/core';
import { rotateRowPair, rotateRowSequence } from './givens.ts';

/** Sweeps allowed per singular value before giving up; convergence takes about two. */
const SWEEPS_PER_VALUE = 75;

/**
 * Diagonalises B = bidiag(`diagonal`, `superdiagonal`) in place, so that `diagonal` holds the
 * (signed, unsorted) singular values, and applies the same rotations to the rows of the
 * row-major `uTransposed` (`diagonal.length × uRows`) and `vTransposed` (`diagonal.length ×
 * diagonal.length`): to the columns of U and V.
 *
 * @example
 * ```ts
 * const d = new Float64Array([1, 1]), e = new Float64Array([1, 0]);
 * const u = new Float64Array([1, 0, 0, 1]), v = new Float64Array([1, 0, 0, 1]);
 * diagonalizeBidiagonal(d, e, u, 2, v); // |d| is now the golden ratio and its inverse
 * ```
 */
export function diagonalizeBidiagonal(
  diagonal: Float64Array,
  superdiagonal: Float64Array,
  uTransposed: Float64Array,
  uRows: number,
  vTransposed: Float64Array,
): void {
  const size = diagonal.length;
  if (size === 0) return;
  let norm = 0;
  for (let i = 0; i < size; i++) {
    norm = Math.max(norm, Math.abs(diagonal[i]!) + Math.abs(i + 1 < size ? superdiagonal[i]! : 0));
  }
  // Entries below ε·‖B‖ are set to zero: a backward error of ε·‖B‖, so every singular value stays
  // accurate to that absolute size however ill-conditioned B is.
  const negligible = Number.EPSILON * norm;
  const rotations: SweepRotations = {
    rightCosines: new Float64Array(size),
    rightSines: new Float64Array(size),
    leftCosines: new Float64Array(size),
    leftSines: new Float64Array(size),
  };
  let sweepsLeft = SWEEPS_PER_VALUE * size;
  let high = size - 1;
  while (high > 0) {
    if (sweepsLeft-- <= 0) {
      throw new WhittleError('invalid-argument', 'svd did not converge (the input may be degenerate)', {
        field: 'values',
      });
    }
    for (let i = 0; i < high; i++) {
      const entry = Math.abs(superdiagonal[i]!);
      if (entry <= negligible || entry <= Number.EPSILON * (Math.abs(diagonal[i]!) + Math.abs(diagonal[i + 1]!))) {
        superdiagonal[i] = 0;
      }
    }
    for (let i = 0; i <= high; i++) if (Math.abs(diagonal[i]!) <= negligible) diagonal[i] = 0;
    while (high > 0 && superdiagonal[high - 1] === 0) high--;
    if (high === 0) break;
    let low = high - 1;
    while (low > 0 && superdiagonal[low - 1] !== 0) low--;

    let zeroAt = -1;
    for (let k = low; k < high; k++) {
      if (diagonal[k] === 0) {
        zeroAt = k;
        break;
      }
    }
    if (zeroAt >= 0) {
      chaseRowOut(diagonal, superdiagonal, uTransposed, uRows, zeroAt, high);
    } else if (diagonal[high] === 0) {
      chaseColumnOut(diagonal, superdiagonal, vTransposed, size, low, high);
    } else {
      shiftedSweep(diagonal, superdiagonal, rotations, low, high);
      rotateRowSequence(uTransposed, uRows, low, high, rotations.leftCosines, rotations.leftSines);
      rotateRowSequence(vTransposed, size, low, high, rotations.rightCosines, rotations.rightSines);
    }
  }
}

/** d[k] = 0: rotations of rows (j, k) for j = k+1 … high move e[k] off the matrix. */
function chaseRowOut(
  diagonal: Float64Array,
  superdiagonal: Float64Array,
  uTransposed: Float64Array,
  uRows: number,
  k: number,
  high: number,
): void {
  let bulge = superdiagonal[k]!;
  superdiagonal[k] = 0;
  for (let j = k + 1; j <= high && bulge !== 0; j++) {
    const radius = Math.hypot(diagonal[j]!, bulge);
    const cosine = diagonal[j]! / radius;
    const sine = bulge / radius;
    diagonal[j] = radius;
    if (j < high) {
      bulge = -sine * superdiagonal[j]!;
      superdiagonal[j] = cosine * superdiagonal[j]!;
    }
    rotateRowPair(uTransposed, uRows, j, k, cosine, sine);
  }
}

/** d[high] = 0: rotations of columns (j, high) for j = high−1 … low move e[high−1] off. */
function chaseColumnOut(
  diagonal: Float64Array,
  superdiagonal: Float64Array,
  vTransposed: Float64Array,
  size: number,
  low: number,
  high: number,
): void {
  let bulge = superdiagonal[high - 1]!;
  superdiagonal[high - 1] = 0;
  for (let j = high - 1; j >= low && bulge !== 0; j--) {
    const radius = Math.hypot(diagonal[j]!, bulge);
    const cosine = diagonal[j]! / radius;
    const sine = bulge / radius;
    diagonal[j] = radius;
    if (j > low) {
      bulge = -sine * superdiagonal[j - 1]!;
      superdiagonal[j - 1] = cosine * superdiagonal[j - 1]!;
    }
    rotateRowPair(vTransposed, size, j, high, cosine, sine);
  }
}

/** The rotations of one sweep, (k, k+1) at index k − low, applied to U and V after the sweep. */
interface SweepRotations {
  readonly rightCosines: Float64Array;
  readonly rightSines: Float64Array;
  readonly leftCosines: Float64Array;
  readonly leftSines: Float64Array;
}

/**
 * One implicit QR sweep on the unreduced block low … high with a Wilkinson shift; records its
 * rotations so they can be applied to Uᵀ and Vᵀ afterwards, two rotations to a pass.
 */
function shiftedSweep(
  diagonal: Float64Array,
  superdiagonal: Float64Array,
  rotations: SweepRotations,
  low: number,
  high: number,
): void {
  // The eigenvalue of BᵀB's trailing 2×2 block nearer its last diagonal entry.
  const before = high - 1 > low ? superdiagonal[high - 2]! : 0;
  const top = diagonal[high - 1]! * diagonal[high - 1]! + before * before;
  const corner = diagonal[high - 1]! * superdiagonal[high - 1]!;
  const bottom = diagonal[high]! * diagonal[high]! + superdiagonal[high - 1]! * superdiagonal[high - 1]!;
  const half = (top - bottom) / 2;
  const root = Math.hypot(half, corner);
  const denominator = half + (half >= 0 ? root : -root);
  const shift = denominator === 0 ? bottom : bottom - (corner * corner) / denominator;

  let y = diagonal[low]! * diagonal[low]! - shift;
  let z = diagonal[low]! * superdiagonal[low]!;
  for (let k = low; k < high; k++) {
    // Column rotation (k, k+1): zeroes the bulge above the superdiagonal.
    let radius = Math.hypot(y, z);
    let cosine = radius === 0 ? 1 : y / radius;
    let sine = radius === 0 ? 0 : z / radius;
    if (k > low) superdiagonal[k - 1] = radius;
    const dk = diagonal[k]!;
    const ek = superdiagonal[k]!;
    const next = diagonal[k + 1]!;
    diagonal[k] = cosine * dk + sine * ek;
    superdiagonal[k] = cosine * ek - sine * dk;
    const below = sine * next;
    diagonal[k + 1] = cosine * next;
    rotations.rightCosines[k - low] = cosine;
    rotations.rightSines[k - low] = sine;

    // Row rotation (k, k+1): zeroes the bulge below the diagonal.
    y = diagonal[k]!;
    z = below;
    radius = Math.hypot(y, z);
    cosine = radius === 0 ? 1 : y / radius;
    sine = radius === 0 ? 0 : z / radius;
    diagonal[k] = radius;
    const ekAfter = superdiagonal[k]!;
    const nextAfter = diagonal[k + 1]!;
    superdiagonal[k] = cosine * ekAfter + sine * nextAfter;
    diagonal[k + 1] = cosine * nextAfter - sine * ekAfter;
    if (k + 1 < high) {
      z = sine * superdiagonal[k + 1]!;
      superdiagonal[k + 1] = cosine * superdiagonal[k + 1]!;
    }
    y = superdiagonal[k]!;
    rotations.leftCosines[k - low] = cosine;
    rotations.leftSines[k - low] = sine;
  }
}
