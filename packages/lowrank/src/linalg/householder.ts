/**
 * Householder reflectors, the building block of the QR and bidiagonal factorizations here.
 */

/** Vectors whose largest entry is below this count as zero (2⁻⁹⁰⁰, far above the denormals). */
export const NEGLIGIBLE_MAGNITUDE = 2 ** -900;

/** A reflector H = I − scale·v·vᵀ with H·x = beta·e₁. */
export interface Reflector {
  /** The value x is mapped onto: ±‖x‖, 0 when x is zero (or negligible). */
  readonly beta: number;
  /** 2/vᵀv, between 1 and 2, or 0 when x is zero (H = I). */
  readonly scale: number;
}

/**
 * Overwrites x = data[start … start+length) with the Householder vector v (v₀ = 1) of the
 * reflector that maps x onto β·e₁. Normalising v₀ to 1 keeps every quantity in range for
 * vectors of any magnitude, denormal ones included.
 *
 * @example
 * ```ts
 * const data = new Float64Array([3, 4]);
 * makeReflector(data, 0, 2); // { beta: -5, scale: 1.6 }, data = [1, 0.5]
 * ```
 */
export function makeReflector(data: Float64Array, start: number, length: number): Reflector {
  let largest = 0;
  for (let i = 0; i < length; i++) largest = Math.max(largest, Math.abs(data[start + i]!));
  // Below this the reflector would be computed in denormal arithmetic and lose orthogonality;
  // callers scale their matrices to norm about 1, so such a vector is rounding noise.
  if (largest < NEGLIGIBLE_MAGNITUDE) return { beta: 0, scale: 0 };
  // Summing squares of values scaled to at most 1 cannot overflow or underflow to zero.
  let sumOfSquares = 0;
  for (let i = 0; i < length; i++) {
    const scaled = data[start + i]! / largest;
    sumOfSquares += scaled * scaled;
  }
  const norm = largest * Math.sqrt(sumOfSquares);
  const head = data[start]!;
  // β takes the sign opposite to x₀ so that x₀ − β never cancels; |x₀ − β| ≥ every |xᵢ|.
  const beta = head > 0 ? -norm : norm;
  const pivot = head - beta;
  data[start] = 1;
  for (let i = 1; i < length; i++) data[start + i]! /= pivot;
  return { beta, scale: (beta - head) / beta };
}
