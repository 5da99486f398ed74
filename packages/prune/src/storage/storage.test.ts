import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteLength, decode, type HostTensor } from '@whittle/core';
import { sparseSizes, storeSparse, type StorageLayout } from './index.ts';

/** A float32 tensor of the given shape with roughly `density` of its elements nonzero. */
const sparseTensor = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 70 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer())
  .map(([rows, columns, density, seed]): HostTensor<'float32'> => {
    let state = seed >>> 0;
    const next = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const data = Float32Array.from({ length: rows * columns }, () => (next() < density ? next() * 2 - 1 || 0.5 : 0));
    return { dtype: 'float32', shape: [rows, columns], data };
  });

describe('storeSparse', () => {
  it('round-trips exactly, and the bytes it reports are the bytes it stores', () => {
    fc.assert(
      fc.property(sparseTensor, fc.constantFrom<StorageLayout>('auto', 'bitmask', 'csr', 'relative', 'dense'), (tensor, layout) => {
        const encoding = storeSparse(tensor, { layout });
        const decoded = decode(encoding);
        expect(decoded.shape).toEqual(tensor.shape);
        expect(Array.from(decoded.data as Float32Array)).toEqual(Array.from(tensor.data));
        const sizes = sparseSizes(tensor);
        const expected =
          layout === 'dense'
            ? sizes.dense
            : layout === 'bitmask'
            ? sizes.bitmask
            : layout === 'csr'
            ? sizes.csr[0]!.bytes
            : layout === 'relative'
            ? sizes.relative[0]!.bytes
            : Math.min(sizes.dense, sizes.bitmask, sizes.csr[0]!.bytes, sizes.relative[0]!.bytes);
        expect(byteLength(encoding)).toBe(expected);
      })
    );
  });

  it('auto picks the smallest of every form (brute force over every index width)', () => {
    fc.assert(
      fc.property(sparseTensor, (tensor) => {
        const candidates = [storeSparse(tensor, { layout: 'dense' }), storeSparse(tensor, { layout: 'bitmask' })];
        for (const indexBits of [1, 2, 3, 4, 5, 6, 7, 8, 16]) {
          candidates.push(storeSparse(tensor, { layout: 'csr', indexBits }), storeSparse(tensor, { layout: 'relative', indexBits }));
        }
        const smallest = Math.min(...candidates.map((candidate) => byteLength(candidate)));
        expect(byteLength(storeSparse(tensor))).toBe(smallest);
      })
    );
  });

  it('stores 92%-sparse weights in far fewer bytes than dense, relative indices winning at low value widths', () => {
    const size = 300 * 784;
    const data = new Float32Array(size);
    for (let index = 0; index < size; index += 12) data[index] = 0.25;
    const tensor: HostTensor<'float32'> = { dtype: 'float32', shape: [784, 300], data };
    const encoding = storeSparse(tensor, { valueBits: 5 });
    expect(encoding.kind === 'sparse' && encoding.layout).toMatchObject({ kind: 'relative', indexBits: 4, count: size / 12 });
    // 19,600 entries: 4-bit gaps plus 32-bit values; CSR adds 785 4-byte row pointers to the same gaps.
    expect(byteLength(encoding)).toBe(9800 + 78400);
    expect(byteLength(storeSparse(tensor, { layout: 'csr', indexBits: 4 }))).toBe(9800 + 785 * 4 + 78400);
    expect(byteLength(storeSparse(tensor))).toBeLessThan(size * 4 * 0.15);
  });

  it('counts the fillers of gaps that cross rows, which CSR restarts at each row', () => {
    // One value at the end of each 40-element row: CSR's gaps are 39, the flattened ones 39 then 39.
    // 3-bit gaps span 8 elements: 4 fillers + the entry per value in both layouts, but only CSR pays row pointers.
    const data = new Float32Array(5 * 40);
    for (let row = 0; row < 5; row++) data[row * 40 + 39] = row + 1;
    const sizes = sparseSizes({ dtype: 'float32', shape: [5, 40], data });
    const at = (list: typeof sizes.relative, indexBits: number) => list.find((size) => size.indexBits === indexBits)!;
    expect(at(sizes.relative, 3)).toEqual({ indexBits: 3, entries: 25, bytes: Math.ceil((25 * 3) / 8) + 25 * 4 });
    expect(at(sizes.csr, 3)).toEqual({ indexBits: 3, entries: 25, bytes: Math.ceil((25 * 3) / 8) + 6 * 4 + 25 * 4 });
    // Values two rows apart: the flattened gap (79) needs more fillers than CSR's in-row gaps.
    const spread = new Float32Array(3 * 40);
    spread[0] = 1;
    spread[80] = 2;
    const far = sparseSizes({ dtype: 'float32', shape: [3, 40], data: spread });
    expect(at(far.relative, 3).entries).toBe(2 + Math.floor(79 / 8));
    expect(at(far.csr, 3).entries).toBe(2);
  });

  it('refuses unknown layouts and index widths with typed errors', () => {
    const tensor: HostTensor<'float32'> = { dtype: 'float32', shape: [2], data: new Float32Array([0, 1]) };
    expect(() => storeSparse(tensor, { layout: 'coo' as never })).toThrow(/layout must be one of auto, bitmask, csr, relative, dense/);
    expect(() => storeSparse(tensor, { layout: 'csr', indexBits: 9 })).toThrow(/indexBits must be 1–8 or 16/);
    expect(() => storeSparse(tensor, { layout: 'relative', indexBits: 0 })).toThrow(/indexBits must be 1–8 or 16/);
    expect(() => sparseSizes(tensor, 0)).toThrow(/valueBits/);
  });
});
