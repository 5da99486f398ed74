/**
 * Exact-count selection of the lowest scores: the mask that prunes precisely `count` elements,
 * found by a two-level radix select on the scores' bit patterns: one pass counts the high 16 bits,
 * a second writes the mask of every element outside the bucket holding the cut and gathers that
 * bucket's members, whose low 16 bits then settle the rest. No sort and no copy of the scores.
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
  // Signed 32-bit views: int32 loads keep V8's loops on small integers (a uint32 above 2^31 is a double).
  const words = scores.map((array) => new Int32Array(array.buffer, array.byteOffset, array.length));
  const total = words.reduce((sum, array) => sum + array.length, 0);
  const target = Math.max(0, Math.min(total, Math.floor(Number.isFinite(count) ? count : 0)));
  if (target === 0) return words.map((array) => new Uint8Array(array.length).fill(1));
  const high = highHistogram(words);
  // NaN keys sort below -Infinity or above +Infinity; only those buckets need an exact look.
  if (holdsNonFinite(high)) checkNoNaN(words);
  if (target === total) return words.map((array) => new Uint8Array(array.length));
  const { bucket: top, before: belowTop } = findBucket(high, target);
  // Pass 2: every element outside the top bucket is decided by its high half; the top bucket's
  // members (in index order) are gathered and decided by their low half.
  const members = new Uint32Array(high[top]!);
  const memberEnds: number[] = [];
  let gathered = 0;
  const masks = words.map((array) => {
    const mask = new Uint8Array(array.length);
    gathered = splitByHighHalf(array, top, mask, members, gathered);
    memberEnds.push(gathered);
    return mask;
  });
  const low = new Float64Array(BUCKETS);
  let member = 0;
  words.forEach((array, arrayIndex) => {
    for (; member < memberEnds[arrayIndex]!; member++) {
      const bucket = sortableKey(array[members[member]!]!) & 0xffff;
      low[bucket] = low[bucket]! + 1;
    }
  });
  const { bucket: bottom, before } = findBucket(low, target - belowTop);
  let ties = target - belowTop - before;
  member = 0;
  words.forEach((array, arrayIndex) => {
    const mask = masks[arrayIndex]!;
    for (; member < memberEnds[arrayIndex]!; member++) {
      const index = members[member]!;
      const bucket = sortableKey(array[index]!) & 0xffff;
      if (bucket > bottom) mask[index] = 1;
      else if (bucket === bottom) {
        // The lowest-index ties are pruned first.
        if (ties > 0) ties--;
        else mask[index] = 1;
      }
    }
  });
  return masks;
}

/** Counts of every element's key by its high 16 bits. */
function highHistogram(words: readonly Int32Array[]): Float64Array {
  const high = new Float64Array(BUCKETS);
  for (const array of words) {
    for (let index = 0; index < array.length; index++) {
      const bucket = sortableKey(array[index]!) >>> 16;
      high[bucket] = high[bucket]! + 1;
    }
  }
  return high;
}

/**
 * Keeps (1) the elements whose key's high half is above `top` and gathers the indices of those
 * equal to it into `members` from `gathered` on; returns where the gathering ended.
 */
function splitByHighHalf(array: Int32Array, top: number, mask: Uint8Array, members: Uint32Array, gathered: number): number {
  let cursor = gathered;
  for (let index = 0; index < array.length; index++) {
    const bucket = sortableKey(array[index]!) >>> 16;
    if (bucket > top) mask[index] = 1;
    else if (bucket === top) members[cursor++] = index;
  }
  return cursor;
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

/**
 * Maps float32 bits (as int32) to an int32 whose bits, read unsigned, order as the floats do
 * (-0 just below +0): negative floats have every bit flipped, the rest only the sign bit.
 */
function sortableKey(bits: number): number {
  return bits ^ ((bits >> 31) | 0x80000000);
}

/** Whether the high-half buckets of -Infinity, +Infinity or NaN hold anything. */
function holdsNonFinite(high: Float64Array): boolean {
  // Keys below 0x00800000 are -Infinity and negative NaNs; from 0xff800000 on, +Infinity and NaNs.
  for (let bucket = 0; bucket < 0x80; bucket++) if (high[bucket] !== 0) return true;
  for (let bucket = 0xff80; bucket < BUCKETS; bucket++) if (high[bucket] !== 0) return true;
  return false;
}

function checkNoNaN(words: readonly Int32Array[]): void {
  for (const [arrayIndex, array] of words.entries()) {
    for (let index = 0; index < array.length; index++) {
      if ((array[index]! & 0x7fffffff) > 0x7f800000) {
        const at = words.length === 1 ? `${index}` : `${arrayIndex}][${index}`;
        throw new WhittleError('invalid-argument', `score is NaN at element ${at}`, { field: `scores[${at}]` });
      }
    }
  }
}
