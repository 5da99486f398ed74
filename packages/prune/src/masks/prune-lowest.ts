/**
 * Exact-count selection of the lowest scores: the mask that prunes precisely `count` elements,
 * found by a two-level radix select on the scores' bit patterns (three linear passes, no sort and
 * no copy of the scores), so it stays memory-bound on tens of millions of params.
 */
import { WhittleError } from '@whittle/core';

/** 2^16 buckets per radix level: the top and then the bottom half of a 32-bit key. */
const BUCKETS = 65_536;

/**
 * A keep-mask (1 keeps, 0 prunes) over `scores` that prunes exactly `count` elements: those with
 * the lowest scores, ties broken towards the lower index. `count` is clamped to 0 … length.
 * Throws `invalid-argument` naming the element when a score is NaN.
 *
 * @example
 * ```ts
 * pruneLowest(new Float32Array([3, 1, 2, 1]), 2); // Uint8Array [1, 0, 1, 0]
 * ```
 */
export function pruneLowest(scores: Float32Array, count: number): Uint8Array {
  return pruneLowestAcross([scores], count)[0]!;
}

/**
 * {@link pruneLowest} over several score arrays ranked together, as if concatenated in order
 * (global ranking across layers): one keep-mask per array, `count` zeros in all.
 *
 * @example
 * ```ts
 * pruneLowestAcross([new Float32Array([5, 1]), new Float32Array([2, 9])], 2); // [[1, 0], [0, 1]]
 * ```
 */
export function pruneLowestAcross(scores: readonly Float32Array[], count: number): Uint8Array[] {
  const words = scores.map((array) => new Uint32Array(array.buffer, array.byteOffset, array.length));
  const total = words.reduce((sum, array) => sum + array.length, 0);
  const target = Math.max(0, Math.min(total, Math.floor(Number.isFinite(count) ? count : 0)));
  if (target === 0) return words.map((array) => new Uint8Array(array.length).fill(1));
  if (target === total) {
    checkNoNaN(words);
    return words.map((array) => new Uint8Array(array.length));
  }
  const { threshold, equalToPrune } = selectThreshold(words, target);
  let ties = equalToPrune;
  return words.map((array) => {
    const mask = new Uint8Array(array.length);
    for (let index = 0; index < array.length; index++) {
      const key = sortableKey(array[index]!);
      if (key > threshold) mask[index] = 1;
      else if (key === threshold) {
        if (ties > 0) ties--;
        else mask[index] = 1;
      }
    }
    return mask;
  });
}

/** The key of the target-th lowest score and how many elements equal to it are pruned. */
function selectThreshold(words: readonly Uint32Array[], target: number): { threshold: number; equalToPrune: number } {
  checkNoNaN(words);
  const high = new Float64Array(BUCKETS);
  for (const array of words)
    for (let index = 0; index < array.length; index++) {
      const bucket = sortableKey(array[index]!) >>> 16;
      high[bucket] = high[bucket]! + 1;
    }
  const { bucket: top, before: belowTop } = findBucket(high, target);
  const low = new Float64Array(BUCKETS);
  for (const array of words) {
    for (let index = 0; index < array.length; index++) {
      const key = sortableKey(array[index]!);
      if (key >>> 16 === top) low[key & 0xffff] = low[key & 0xffff]! + 1;
    }
  }
  const { bucket: bottom, before } = findBucket(low, target - belowTop);
  return {
    threshold: ((top << 16) | bottom) >>> 0,
    equalToPrune: target - belowTop - before,
  };
}

/** The bucket holding the rank-th element (1-based) and how many elements sit in lower buckets. */
function findBucket(histogram: Float64Array, rank: number): { bucket: number; before: number } {
  let before = 0;
  for (let bucket = 0; bucket < histogram.length; bucket++) {
    const size = histogram[bucket]!;
    if (before + size >= rank) return { bucket, before };
    before += size;
  }
  // Unreachable: rank ≤ the histogram's total.
  return { bucket: histogram.length - 1, before };
}

/** Maps float32 bits to a uint32 whose unsigned order is the float order (-0 just below +0). */
function sortableKey(bits: number): number {
  return (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
}

function checkNoNaN(words: readonly Uint32Array[]): void {
  for (const [arrayIndex, array] of words.entries()) {
    for (let index = 0; index < array.length; index++) {
      if ((array[index]! & 0x7fffffff) > 0x7f800000) {
        const at = words.length === 1 ? `${index}` : `${arrayIndex}][${index}`;
        throw new WhittleError('invalid-argument', `score is NaN at element ${at}`, { field: `scores[${at}]` });
      }
    }
  }
}
