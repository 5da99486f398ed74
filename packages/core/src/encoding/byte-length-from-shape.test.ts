import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { affineByteLength } from './affine-codec.ts';
import { byteLength } from './byte-length.ts';
import { codebookByteLength } from './codebook-codec.ts';
import { denseByteLength } from './dense-codec.ts';

// The sizes from settings alone must be what the built encodings hold, buffer for buffer.
describe('byte lengths from shapes and settings', () => {
  test('dense', () => {
    fc.assert(
      fc.property(encodingArbitrary({ kinds: ['dense'] }), (encoding) => {
        if (encoding.kind !== 'dense') throw new Error('expected dense');
        expect(denseByteLength(encoding.tensor.dtype, encoding.tensor.shape)).toBe(byteLength(encoding));
      }),
    );
    expect(denseByteLength('float16', [768, 3072])).toBe(768 * 3072 * 2);
  });

  test('affine, with zero points, offsets or neither', () => {
    fc.assert(
      fc.property(encodingArbitrary({ kinds: ['affine'] }), (encoding) => {
        if (encoding.kind !== 'affine') throw new Error('expected affine');
        const size = affineByteLength({
          shape: encoding.shape,
          bits: encoding.bits,
          granularity: encoding.granularity,
          scaleDType: encoding.scales.dtype,
          ...(encoding.zeroPoints === undefined ? {} : { zeroPointDType: encoding.zeroPoints.dtype }),
          ...(encoding.offsets === undefined ? {} : { offsetDType: encoding.offsets.dtype }),
        });
        expect(size).toBe(byteLength(encoding));
      }),
      { numRuns: 300 },
    );
    // 64×32 at 4 bits is 1024 bytes of codes; groups of 32 along axis 0 give 2×32 float16 scales.
    expect(affineByteLength({ shape: [64, 32], bits: 4, granularity: { kind: 'group', axis: 0, size: 32 }, scaleDType: 'float16' })).toBe(1024 + 128);
    // 10 codes of 3 bits fill 4 bytes; one float32 scale and one uint8 zero point.
    expect(affineByteLength({ shape: [10], bits: 3, granularity: { kind: 'tensor' }, scaleDType: 'float32', zeroPointDType: 'uint8' })).toBe(4 + 4 + 1);
  });

  test('codebook', () => {
    fc.assert(
      fc.property(encodingArbitrary({ kinds: ['codebook'] }), (encoding) => {
        if (encoding.kind !== 'codebook') throw new Error('expected codebook');
        const size = codebookByteLength({
          shape: encoding.shape,
          bits: encoding.bits,
          centroidCount: encoding.centroids.data.length,
          centroidDType: encoding.centroids.dtype,
        });
        expect(size).toBe(byteLength(encoding));
      }),
    );
    expect(codebookByteLength({ shape: [64, 32], bits: 4, centroidCount: 16, centroidDType: 'float32' })).toBe(64 + 1024);
  });
});
