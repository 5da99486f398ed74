import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bytesSource, type ByteSource } from '../byte-source.ts';
import { readAhead } from './read-ahead.ts';

describe('readAhead', () => {
  test('gives the bytes the source gives, for any reads in any order', async () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, index) => (index * 31) % 251);
    const read = fc
      .tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }))
      .map(([offset, length]) => [offset, Math.min(length, 300 - offset)] as const);
    await fc.assert(
      fc.asyncProperty(fc.array(read, { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), async (reads, window) => {
        const source = readAhead(bytesSource(bytes, 'x'), window);
        for (const [offset, length] of reads) {
          // peek gives the same bytes as read whenever it gives any, and reads nothing itself.
          const peeked = source.peek(offset, length);
          if (peeked !== undefined) expect(peeked).toEqual(bytes.subarray(offset, offset + length));
          expect(await source.read(offset, length)).toEqual(bytes.subarray(offset, offset + length));
        }
      }),
    );
  });

  test('serves many small reads in order from few reads of the source', async () => {
    let reads = 0;
    const inner = bytesSource(new Uint8Array(4000), 'x');
    const counting: ByteSource = { name: 'x', size: inner.size, read: (offset, length) => (reads++, inner.read(offset, length)) };
    const source = readAhead(counting, 1000);
    for (let offset = 0; offset < 4000; offset += 4) await source.read(offset, 4);
    expect(reads).toBe(4);
  });

  test('peeks only inside the window read, never reading', async () => {
    let reads = 0;
    const inner = bytesSource(Uint8Array.from({ length: 4000 }, (_, index) => index % 256), 'x');
    const counting: ByteSource = { name: 'x', size: inner.size, read: (offset, length) => (reads++, inner.read(offset, length)) };
    const source = readAhead(counting, 1000);
    expect(source.peek(0, 4)).toBeUndefined();
    await source.read(0, 4);
    expect(source.peek(996, 4)).toEqual(Uint8Array.of(228, 229, 230, 231));
    expect(source.peek(998, 4)).toBeUndefined();
    // Longer than half a window: read straight through, never served from the window.
    expect(source.peek(0, 600)).toBeUndefined();
    expect(reads).toBe(1);
  });
});
