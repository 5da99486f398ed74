/**
 * N:M keep-masks: in every run of `m` consecutive elements along an axis, the `n` highest scores.
 */
import { WhittleError, describeValue } from '@whittle/core';

/** Where N:M runs sit: `n` kept of every `m` consecutive elements along `axis`. */
export interface NmPattern {
  readonly n: number;
  readonly m: number;
  /** The axis the runs follow (negative counts from the end). */
  readonly axis: number;
}

/**
 * A keep-mask over a tensor of `shape` (row-major scores) that keeps the `n` highest scores of
 * every run of `m` consecutive elements along `axis`, ties broken towards the lower index. When
 * the axis length is not a multiple of `m`, its last, shorter run keeps at most `n` too. Every
 * run then holds at most `n` kept elements, and exactly `n` when it has at least `n`.
 *
 * @example
 * ```ts
 * nmMask(new Float32Array([4, 1, 3, 2]), [4], { n: 2, m: 4, axis: 0 }); // Uint8Array [1, 0, 1, 0]
 * ```
 */
export function nmMask(scores: Float32Array, shape: readonly number[], pattern: NmPattern): Uint8Array {
  const { n, m } = pattern;
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m <= n || m > 2 ** 16) {
    throw new WhittleError('invalid-argument', `N:M needs integers 1 ≤ n < m ≤ 65536, got ${describeValue(n)}:${describeValue(m)}`, {
      field: 'n',
    });
  }
  const rank = shape.length;
  const axis = pattern.axis < 0 ? pattern.axis + rank : pattern.axis;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    throw new WhittleError('invalid-argument', `axis ${describeValue(pattern.axis)} is outside a rank-${rank} shape`, { field: 'axis' });
  }
  let outer = 1;
  let inner = 1;
  for (let other = 0; other < axis; other++) outer *= shape[other]!;
  for (let other = axis + 1; other < rank; other++) inner *= shape[other]!;
  const length = shape[axis]!;
  if (outer * length * inner !== scores.length) {
    throw new WhittleError('invalid-argument', `${scores.length} scores do not fill shape [${shape.join(', ')}]`, { field: 'scores' });
  }
  const mask = new Uint8Array(scores.length);
  const chosen = new Int32Array(n);
  for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
    for (let start = 0; start < length; start += m) {
      const size = Math.min(m, length - start);
      for (let innerIndex = 0; innerIndex < inner; innerIndex++) {
        const first = (outerIndex * length + start) * inner + innerIndex;
        keepHighest(scores, mask, first, inner, size, n, chosen);
      }
    }
  }
  return mask;
}

/** Marks the `n` highest of `size` scores at `first + k·stride` (lower index wins ties). */
function keepHighest(
  scores: Float32Array,
  mask: Uint8Array,
  first: number,
  stride: number,
  size: number,
  n: number,
  chosen: Int32Array
): void {
  if (size <= n) {
    for (let offset = 0; offset < size; offset++) mask[first + offset * stride] = 1;
    return;
  }
  // Insertion into a sorted list of the best n so far: n and m are small (m ≤ 16 in practice).
  let count = 0;
  for (let offset = 0; offset < size; offset++) {
    const score = scores[first + offset * stride]!;
    if (Number.isNaN(score)) {
      throw new WhittleError('invalid-argument', `score is NaN at element ${first + offset * stride}`, {
        field: `scores[${first + offset * stride}]`,
      });
    }
    let slot = count < n ? count : n;
    // Strictly greater: an equal later score never displaces an earlier one.
    while (slot > 0 && score > scores[first + chosen[slot - 1]! * stride]!) slot--;
    if (slot >= n) continue;
    for (let move = Math.min(count, n - 1); move > slot; move--) chosen[move] = chosen[move - 1]!;
    chosen[slot] = offset;
    if (count < n) count++;
  }
  for (let index = 0; index < n; index++) mask[first + chosen[index]! * stride] = 1;
}
