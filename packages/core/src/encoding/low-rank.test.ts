import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { tensorBits } from '../testing/bits.ts';
import { decode, decodeToFloat32 } from './decode.ts';
import { denseEncoding } from './dense.ts';
import { lowRankEncoding } from './low-rank.ts';
import { matrixDimensions } from './matrix-shape.ts';
import type { LowRankEncoding } from './types.ts';

describe('low-rank encodings', () => {
  test('decode equals the naive product of the decoded factors', () => {
    fc.assert(
      fc.property(encodingArbitrary({ kinds: ['lowrank'], maxDepth: 1, minRank: 1, maxRank: 4 }), (generated) => {
        const encoding = generated as LowRankEncoding;
        const { rows, columns } = matrixDimensions(encoding.shape);
        const left = decodeToFloat32(encoding.left);
        const right = decodeToFloat32(encoding.right);
        const rank = left.shape[1]!;
        const expected: number[] = [];
        for (let row = 0; row < rows; row++) {
          for (let column = 0; column < columns; column++) {
            let sum = 0;
            for (let inner = 0; inner < rank; inner++)
              sum += left.data[row * rank + inner]! * right.data[inner * columns + column]!;
            expected.push(Math.fround(sum));
          }
        }
        const decoded = decode(encoding);
        expect(decoded.shape).toEqual(encoding.shape);
        expect(Array.from(decoded.data)).toEqual(expected);
      }),
      { numRuns: 200 }
    );
  });

  test('factorizes a conv kernel as [kh*kw*in, out]', () => {
    const left = denseEncoding({ dtype: 'float32', shape: [4, 1], data: new Float32Array([1, 2, 3, 4]) });
    const right = denseEncoding({ dtype: 'float32', shape: [1, 2], data: new Float32Array([1, -1]) });
    const encoding = lowRankEncoding({ shape: [1, 2, 2, 2], left, right });
    expect(tensorBits(decode(encoding))).toEqual(
      tensorBits({ dtype: 'float32', shape: [1, 2, 2, 2], data: new Float32Array([1, -1, 2, -2, 3, -3, 4, -4]) })
    );
  });

  test('rejects factors of the wrong shape', () => {
    const left = denseEncoding({ dtype: 'float32', shape: [3, 1], data: new Float32Array(3) });
    const right = denseEncoding({ dtype: 'float32', shape: [2, 2], data: new Float32Array(4) });
    expect(() => lowRankEncoding({ shape: [4, 2], left, right })).toThrow(
      expect.objectContaining({ field: 'left.shape' })
    );
    expect(() => lowRankEncoding({ shape: [3, 2], left, right })).toThrow(
      expect.objectContaining({ field: 'right.shape' })
    );
  });
});
