/**
 * Weight bytes laid end to end across shards: splitting them at a fixed size (a weight may span
 * shards, as tfjs-converter writes them) and reading a weight's span back across shard edges.
 */

/** tfjs-converter's default shard size: 4 MiB. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Concatenates `parts` and cuts the result into shards of `shardBytes` (the last one shorter).
 * Each shard is a fresh buffer of exactly its length, so its `.buffer` can be handed to tfjs.
 * No parts (or only empty ones) give no shards.
 *
 * @example
 * ```ts
 * splitIntoShards([new Uint8Array(5), new Uint8Array(4)], 4).map((shard) => shard.length); // [4, 4, 1]
 * ```
 */
export function splitIntoShards(parts: readonly Uint8Array[], shardBytes: number): Uint8Array[] {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const shards: Uint8Array[] = [];
  let shard = new Uint8Array(0);
  let filled = 0;
  let remaining = total;
  for (const part of parts) {
    let offset = 0;
    while (offset < part.byteLength) {
      if (filled === shard.byteLength) {
        shard = new Uint8Array(Math.min(shardBytes, remaining));
        shards.push(shard);
        filled = 0;
      }
      const count = Math.min(part.byteLength - offset, shard.byteLength - filled);
      shard.set(part.subarray(offset, offset + count), filled);
      filled += count;
      offset += count;
      remaining -= count;
    }
  }
  return shards;
}

/**
 * Reads consecutive spans from shards laid end to end: a span inside one shard is a view, one
 * that crosses shard edges is copied into a fresh buffer. The caller has checked the total.
 *
 * @example
 * ```ts
 * const next = spanReader([Uint8Array.of(1, 2), Uint8Array.of(3)]);
 * next(3); // Uint8Array [1, 2, 3]
 * ```
 */
export function spanReader(shards: readonly Uint8Array[]): (length: number) => Uint8Array {
  let shardIndex = 0;
  let offset = 0;
  return (length) => {
    while (shardIndex < shards.length && offset === shards[shardIndex]!.byteLength) {
      shardIndex++;
      offset = 0;
    }
    const first = shards[shardIndex];
    if (first !== undefined && offset + length <= first.byteLength) {
      const view = first.subarray(offset, offset + length);
      offset += length;
      return view;
    }
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const shard = shards[shardIndex]!;
      const count = Math.min(length - filled, shard.byteLength - offset);
      out.set(shard.subarray(offset, offset + count), filled);
      filled += count;
      offset += count;
      if (offset === shard.byteLength) {
        shardIndex++;
        offset = 0;
      }
    }
    return out;
  };
}
