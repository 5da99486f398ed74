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
      fc.property(sparseTensor, fc.constantFrom<StorageLayout>('auto', 'bitmask', 'csr', 'dense'), (tensor, layout) => {
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
            : Math.min(sizes.dense, sizes.bitmask, sizes.csr[0]!.bytes);
        expect(byteLength(encoding)).toBe(expected);
      })
    );
  });

  it('auto picks the smallest of every form (brute force over every index width)', () => {
    fc.assert(
      fc.property(sparseTensor, (tensor) => {
        const candidates = [storeSparse(tensor, { layout: 'dense' }), storeSparse(tensor, { layout: 'bitmask' })];
        for (const indexBits of [1, 2, 3, 4, 5, 6, 7, 8, 16]) candidates.push(storeSparse(tensor, { layout: 'csr', indexBits }));
        const smallest = Math.min(...candidates.map((candidate) => byteLength(candidate)));
        expect(byteLength(storeSparse(tensor))).toBe(smallest);
      })
    );
  });

  it('stores 92%-sparse weights in far fewer bytes than dense, CSR winning at low value widths', () => {
    const size = 300 * 784;
    const data = new Float32Array(size);
    for (let index = 0; index < size; index += 12) data[index] = 0.25;
    const tensor: HostTensor<'float32'> = { dtype: 'float32', shape: [784, 300], data };
    const encoding = storeSparse(tensor, { valueBits: 5 });
    expect(encoding.kind === 'sparse' && encoding.layout.kind).toBe('csr');
    expect(byteLength(storeSparse(tensor))).toBeLessThan(size * 4 * 0.15);
  });

  it('refuses unknown layouts and index widths with typed errors', () => {
    const tensor: HostTensor<'float32'> = { dtype: 'float32', shape: [2], data: new Float32Array([0, 1]) };
    expect(() => storeSparse(tensor, { layout: 'coo' as never })).toThrow(/layout must be one of auto, bitmask, csr, dense/);
    expect(() => storeSparse(tensor, { layout: 'csr', indexBits: 9 })).toThrow(/indexBits must be 1–8 or 16/);
    expect(() => sparseSizes(tensor, 0)).toThrow(/valueBits/);
  });
});
