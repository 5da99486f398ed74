/**
 * A read-ahead window over a byte source, for reading a file's tensors in file order: a small
 * tensor is served from one larger read that also covers the tensors after it, so a file of a
 * million tiny tensors costs a few hundred reads, not a million. A large read goes straight
 * through, so memory stays about one window plus one tensor.
 */
import type { ByteSource } from '../byte-source.ts';

const WINDOWS = new WeakSet<ArrayBufferLike>();

/**
 * True when `bytes` lie in a window {@link readAhead} read: its own memory, never rewritten, so
 * a tensor may view them in place rather than copy them.
 *
 * @example
 * ```ts
 * isReadAheadWindow(await readAhead(source).read(0, 4)); // true
 * ```
 */
export function isReadAheadWindow(bytes: Uint8Array): boolean {
  return WINDOWS.has(bytes.buffer);
}

/** Bytes read at once for small tensors. */
export const READ_AHEAD_SIZE = 1024 * 1024;

/** A {@link readAhead} source: a byte source that can also serve bytes already in its window at once. */
export interface ReadAheadSource extends ByteSource {
  /**
   * The bytes `read(offset, length)` would give, when they lie in the window already read; else
   * undefined (and nothing is read). Lets a caller visiting a million tiny tensors take most of
   * them without a promise each.
   */
  peek(offset: number, length: number): Uint8Array | undefined;
}

/**
 * `source` with reads shorter than half of `windowSize` served from a window of `windowSize`
 * bytes read at the first such offset. Served bytes are fresh subarrays of that window, never
 * rewritten, so callers may keep them.
 *
 * @example
 * ```ts
 * for await (const param of iterateSafetensorsParams(readAhead(source), header)) ...
 * ```
 */
export function readAhead(source: ByteSource, windowSize: number = READ_AHEAD_SIZE): ReadAheadSource {
  let windowStart = 0;
  let window: Uint8Array = new Uint8Array(0);
  return {
    name: source.name,
    size: source.size,
    peek(offset, length) {
      if (length * 2 > windowSize || offset < windowStart || offset + length > windowStart + window.byteLength) return undefined;
      return window.subarray(offset - windowStart, offset - windowStart + length);
    },
    async read(offset, length) {
      if (length * 2 > windowSize) return source.read(offset, length);
      if (offset < windowStart || offset + length > windowStart + window.byteLength) {
        windowStart = offset;
        window = await source.read(offset, Math.max(length, Math.min(windowSize, source.size - offset)));
        WINDOWS.add(window.buffer);
      }
      return window.subarray(offset - windowStart, offset - windowStart + length);
    },
  };
}
