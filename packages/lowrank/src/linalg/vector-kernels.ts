/**
 * The inner loops of the Householder factorizations on contiguous Float64Array ranges.
 */

/**
 * Σ first[firstStart + i]·second[secondStart + i] for i < length. Four partial sums let the
 * additions overlap instead of each waiting for the one before.
 *
 * @example
 * ```ts
 * dot(new Float64Array([1, 2, 3]), 0, new Float64Array([4, 5, 6]), 0, 3); // 32
 * ```
 */
export function dot(first: Float64Array, firstStart: number, second: Float64Array, secondStart: number, length: number): number {
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  const offset = secondStart - firstStart;
  const end = firstStart + length;
  const unrolledEnd = firstStart + (length & ~3);
  let index = firstStart;
  for (; index < unrolledEnd; index += 4) {
    sum0 += first[index]! * second[index + offset]!;
    sum1 += first[index + 1]! * second[index + offset + 1]!;
    sum2 += first[index + 2]! * second[index + offset + 2]!;
    sum3 += first[index + 3]! * second[index + offset + 3]!;
  }
  for (; index < end; index++) sum0 += first[index]! * second[index + offset]!;
  return sum0 + sum1 + (sum2 + sum3);
}

/**
 * target[targetStart + i] −= factor·source[sourceStart + i] for i < length, in place.
 *
 * @example
 * ```ts
 * const target = new Float64Array([1, 1]);
 * subtractScaled(target, 0, new Float64Array([1, 2]), 0, 2, 0.5); // target = [0.5, 0]
 * ```
 */
export function subtractScaled(
  target: Float64Array,
  targetStart: number,
  source: Float64Array,
  sourceStart: number,
  length: number,
  factor: number,
): void {
  const offset = sourceStart - targetStart;
  const end = targetStart + length;
  for (let index = targetStart; index < end; index++) target[index]! -= factor * source[index + offset]!;
}
