/**
 * Scores for magnitude pruning.
 */

/**
 * The absolute values of `weights` as float32 scores (|w|: the lowest are pruned first).
 *
 * @example
 * ```ts
 * magnitudeScores(new Float32Array([-2, 1])); // Float32Array [2, 1]
 * ```
 */
export function magnitudeScores(weights: Float32Array): Float32Array {
  const scores = new Float32Array(weights.length);
  for (let index = 0; index < weights.length; index++) scores[index] = Math.abs(weights[index]!);
  return scores;
}
