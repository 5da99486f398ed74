import { describe, expect, test } from 'vitest';
import { fromLittleEndianBytes, littleEndianBytes } from './byte-order.ts';

describe('byte order', () => {
  test('writes little-endian bytes and reads them back from an odd offset', () => {
    const values = new Float32Array([1, -2.5, Number.NaN]);
    const bytes = littleEndianBytes(values);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 0x80, 0x3f]);
    const shard = new Uint8Array(bytes.length + 1);
    shard.set(bytes, 1);
    const read = fromLittleEndianBytes(shard.subarray(1), Float32Array);
    expect(read.byteOffset % 4).toBe(0);
    expect(Array.from(read)).toEqual(Array.from(values));
    expect(Array.from(littleEndianBytes(new Uint16Array([0x0102])))).toEqual([2, 1]);
  });
});
