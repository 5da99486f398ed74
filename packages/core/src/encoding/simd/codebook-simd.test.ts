import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { toFloat32 } from '../../tensor/host-tensor.ts';
import { unpackBits } from '../bit-pack.ts';
import { codebookFromIndices } from '../codebook.ts';
import { decodeCodebook, decodeCodebookJs } from '../codebook-codec.ts';
import type { CodebookEncoding } from '../types.ts';
import { decodeCodebookSimd } from './codebook-simd.ts';
import { createDecodeSimd, kernelOutput } from './decode-kernel.ts';

const kernel = createDecodeSimd({ chunkElements: 48, minimumElements: 0 })!;

const bitsOf = (values: Float32Array): number[] => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

const codebookArbitrary: fc.Arbitrary<CodebookEncoding> = fc
  .record({
    bits: fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 16),
    size: fc.integer({ min: 0, max: 300 }),
    half: fc.boolean(),
    seed: fc.nat(),
  })
  .chain(({ bits, size, half }) =>
    fc.integer({ min: 1, max: Math.min(2 ** bits, 300) }).chain((count) =>
      fc.record({
        // Any bit patterns: NaNs with payloads, infinities, subnormals, -0.
        centroids: fc.array(half ? fc.integer({ min: 0, max: 0xffff }) : fc.integer({ min: 0, max: 0xffffffff }), {
          minLength: count,
          maxLength: count,
        }),
        indices: fc.array(fc.integer({ min: 0, max: count - 1 }), { minLength: size, maxLength: size }),
      }).map(({ centroids, indices }) =>
        codebookFromIndices({
          shape: [size],
          bits,
          centroids: half
            ? { dtype: 'float16', shape: [count], data: Uint16Array.from(centroids) }
            : { dtype: 'float32', shape: [count], data: new Float32Array(Uint32Array.from(centroids).buffer) },
          indices,
        }),
      ),
    ),
  );

describe('codebook SIMD decoding', () => {
  test('copies each index’s centroid bits, as the JS decoder does, for every width and codebook size', () => {
    fc.assert(
      fc.property(codebookArbitrary, (encoding) => {
        const size = encoding.shape[0]!;
        const centroids = toFloat32(encoding.centroids).data;
        const centroidBits = bitsOf(centroids);
        const expected = Array.from(unpackBits(encoding.indices, size, encoding.bits, false), (index) => centroidBits[index]!);
        expect(decodeCodebookSimd(kernel, encoding, centroids, new Float32Array(size))).toBe(size > 0);
        expect(bitsOf(decodeCodebook(encoding, new Float32Array(size), kernel))).toEqual(expected);
        expect(bitsOf(decodeCodebookJs(encoding, centroids, new Float32Array(size)))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  test('in place in the output region: the same bits, nothing around the destination touched', () => {
    fc.assert(
      fc.property(codebookArbitrary, fc.nat(40), fc.nat(40), (encoding, before, after) => {
        const size = encoding.shape[0]!;
        const centroids = toFloat32(encoding.centroids).data;
        const centroidBits = bitsOf(centroids);
        const region = kernelOutput(before + size + after, kernel)!;
        region.fill(7.25);
        const destination = region.subarray(before, before + size);
        expect(decodeCodebookSimd(kernel, encoding, centroids, destination)).toBe(size > 0);
        if (size === 0) return;
        expect(bitsOf(destination)).toEqual(Array.from(unpackBits(encoding.indices, size, encoding.bits, false), (index) => centroidBits[index]!));
        expect(Array.from(region.subarray(0, before)).every((value) => value === 7.25)).toBe(true);
        expect(Array.from(region.subarray(before + size)).every((value) => value === 7.25)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
