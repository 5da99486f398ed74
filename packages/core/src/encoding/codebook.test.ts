import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { toFloat32 } from '../tensor/host-tensor.ts';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { unpackBits } from './bit-pack.ts';
import { bitsForCount, codebookEncoding, codebookFromIndices } from './codebook.ts';
import { decode } from './decode.ts';
import type { CodebookEncoding } from './types.ts';

describe('codebook encodings', () => {
  test('decode equals centroids[index]', () => {
    fc.assert(
      fc.property(encodingArbitrary({ kinds: ['codebook'] }), (generated) => {
        const encoding = generated as CodebookEncoding;
        const size = encoding.shape.reduce((product, dimension) => product * dimension, 1);
        const centroids = toFloat32(encoding.centroids).data;
        const expected = Array.from(unpackBits(encoding.indices, size, encoding.bits), (index) => centroids[index]);
        expect(Array.from(decode(encoding).data)).toEqual(expected);
      }),
      { numRuns: 200 }
    );
  });

  test('codebookFromIndices picks the narrowest width', () => {
    const centroids = { dtype: 'float32', shape: [5], data: new Float32Array([-2, -1, 0, 1, 2]) } as const;
    const encoding = codebookFromIndices({ shape: [2, 2], centroids, indices: [4, 0, 2, 3] });
    expect(encoding.bits).toBe(3);
    expect(Array.from(decode(encoding).data)).toEqual([2, -2, 0, 1]);
    expect([1, 2, 3, 16, 17, 256, 257, 65536].map(bitsForCount)).toEqual([1, 1, 2, 4, 5, 8, 16, 16]);
  });

  test('rejects indices past the centroids and too many centroids', () => {
    const centroids = { dtype: 'float32', shape: [3], data: new Float32Array(3) } as const;
    expect(() => codebookFromIndices({ shape: [2], centroids, indices: [0, 3] })).toThrow(
      expect.objectContaining({ code: 'invalid-encoding', field: 'indices[1]' })
    );
    expect(() => codebookEncoding({ shape: [1], bits: 1, centroids, indices: new Uint8Array(1) })).toThrow(
      expect.objectContaining({ field: 'centroids' })
    );
  });
});
