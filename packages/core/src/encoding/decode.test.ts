import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodingArbitrary, encodingOfShapeArbitrary, shapeArbitrary } from '../testing/arbitraries.ts';
import { tensorBits } from '../testing/bits.ts';
import { encodingParamCount, encodingShape } from './byte-length.ts';
import { decode, decodeToFloat32 } from './decode.ts';
import type { Encoding } from './types.ts';

/** The same encoding with every nested encoding replaced by dense float32 values. */
function flattenNested(encoding: Encoding): Encoding {
  const dense = (nested: Encoding): Encoding => ({ kind: 'dense', tensor: decodeToFloat32(nested) });
  if (encoding.kind === 'sparse') return { ...encoding, values: dense(encoding.values) };
  if (encoding.kind === 'lowrank') return { ...encoding, left: dense(encoding.left), right: dense(encoding.right) };
  return encoding;
}

describe('decode', () => {
  test('decodes to the encoding shape, float32 for everything but dense integers', () => {
    fc.assert(
      fc.property(encodingArbitrary(), (encoding) => {
        const decoded = decode(encoding);
        expect(decoded.shape).toEqual(encodingShape(encoding));
        expect(decoded.data.length).toBe(encodingParamCount(encoding));
        if (encoding.kind !== 'dense') expect(decoded.dtype).toBe('float32');
      }),
      { numRuns: 200 }
    );
  });

  test('nested encodings decode like their flattened form (sparse with codebook/affine values)', () => {
    fc.assert(
      fc.property(encodingArbitrary({ kinds: ['sparse'], maxDepth: 2 }), (encoding) => {
        expect(tensorBits(decode(encoding))).toEqual(tensorBits(decode(flattenNested(encoding))));
      }),
      { numRuns: 200 }
    );
  });

  test('nested encodings decode like their flattened form (low-rank with affine factors)', () => {
    const affineFactors = shapeArbitrary({ minRank: 1 }).chain((shape) =>
      fc.integer({ min: 1, max: 3 }).chain((rank) => {
        const columns = shape[shape.length - 1]!;
        const rows = shape.slice(0, -1).reduce((product, dimension) => product * dimension, 1);
        return fc
          .record({
            left: encodingOfShapeArbitrary([rows, rank], { kinds: ['affine'] }),
            right: encodingOfShapeArbitrary([rank, columns], { kinds: ['affine'] }),
          })
          .map(({ left, right }): Encoding => ({ kind: 'lowrank', shape, left, right }));
      })
    );
    fc.assert(
      fc.property(affineFactors, (encoding) => {
        expect(tensorBits(decode(encoding))).toEqual(tensorBits(decode(flattenNested(encoding))));
      }),
      { numRuns: 150 }
    );
  });

  test('Deep Compression: a CSR tensor of codebook values decodes each entry to its centroid', () => {
    const encoding: Encoding = {
      kind: 'sparse',
      shape: [2, 3],
      layout: { kind: 'csr', indexBits: 2, gaps: new Uint8Array([0b0001]), rowPointers: new Uint32Array([0, 1, 2]) },
      values: {
        kind: 'codebook',
        shape: [2],
        bits: 1,
        centroids: { dtype: 'float32', shape: [2], data: new Float32Array([0.5, -0.5]) },
        indices: new Uint8Array([0b10]),
      },
    };
    expect(Array.from(decode(encoding).data)).toEqual([0, 0.5, 0, -0.5, 0, 0]);
  });
});
