import { describe, expect, test } from 'vitest';
import { decode } from './decode.ts';
import { denseEncoding } from './dense.ts';
import { sparseEncoding } from './sparse.ts';

const values = (data: number[]) =>
  denseEncoding({ dtype: 'float32', shape: [data.length], data: Float32Array.from(data) });

describe('sparseEncoding', () => {
  test('builds each layout and decodes it', () => {
    const bitmask = sparseEncoding({
      shape: [4],
      layout: { kind: 'bitmask', mask: new Uint8Array([0b1001]) },
      values: values([1, 4]),
    });
    expect(Array.from(decode(bitmask).data)).toEqual([1, 0, 0, 4]);
    // 1:2 along axis 0 of [2, 2]: column 0 keeps row 1, column 1 keeps row 0.
    const nm = sparseEncoding({
      shape: [2, 2],
      layout: { kind: 'nm', n: 1, m: 2, axis: -2, positions: new Uint8Array([0b01]) },
      values: values([5, 6]),
    });
    expect(nm.layout).toMatchObject({ axis: 0 });
    expect(Array.from(decode(nm).data)).toEqual([0, 6, 5, 0]);
  });

  test('rejects values whose count differs from the layout', () => {
    expect(() =>
      sparseEncoding({
        shape: [4],
        layout: { kind: 'bitmask', mask: new Uint8Array([0b1011]) },
        values: values([1, 4]),
      })
    ).toThrow(expect.objectContaining({ code: 'invalid-encoding', field: 'values.shape' }));
    expect(() =>
      sparseEncoding({
        shape: [2, 2],
        layout: { kind: 'csr', indexBits: 1, gaps: new Uint8Array([0]), rowPointers: new Uint32Array([0, 1]) },
        values: values([1]),
      })
    ).toThrow(expect.objectContaining({ field: 'layout.rowPointers' }));
  });
});
