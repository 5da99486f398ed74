import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../../errors.ts';
import { affineEncoding } from '../affine.ts';
import { decodeAffine, decodeAffineJs } from '../affine-decode.ts';
import { decodeKernelOutput, decodeToFloat32 } from '../decode.ts';
import type { AffineEncoding } from '../types.ts';
import { decodeAffineSimd } from './affine-simd.ts';
import { createDecodeSimd, kernelOutput, layOutRegions, residentOutput, whileOutputHeld } from './decode-kernel.ts';

/** An int8 per-column encoding of `rows` × `columns` with codes and scales from `seed`. */
function int8Columns(rows: number, columns: number, seed: number): AffineEncoding {
  let state = seed >>> 0;
  const next = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return affineEncoding({
    shape: [rows, columns],
    bits: 8,
    signed: true,
    granularity: { kind: 'axis', axis: 1 },
    codes: Uint8Array.from({ length: rows * columns }, () => Math.floor(next() * 256)),
    scales: { dtype: 'float32', shape: [columns], data: Float32Array.from({ length: columns }, () => next() * 0.01) },
  });
}

const bitsOf = (values: Float32Array): number[] => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

describe('the decode kernels’ output region', () => {
  test('a count that is not an integer from 0 to 768 MiB of floats is a one-line invalid-argument error at field count', () => {
    const kernel = createDecodeSimd()!;
    for (const count of [-1, 1.5, Number.NaN, Infinity, 2 ** 28, '16' as unknown as number]) {
      let thrown: unknown;
      try {
        kernelOutput(count, kernel);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(WhittleError);
      expect(thrown).toMatchObject({ code: 'invalid-argument', field: 'count' });
      expect((thrown as Error).message).not.toContain('\n');
    }
    expect(kernelOutput(0, kernel)).toHaveLength(0);
    expect(kernelOutput(16, null)).toBeUndefined();
  });

  test('the same place for every count up to the reserved size; a larger count grows it and keeps the bytes', () => {
    const kernel = createDecodeSimd()!;
    const small = kernelOutput(100, kernel)!;
    const place = small.byteOffset;
    small.set([1, 2, 3]);
    const again = kernelOutput(1000, kernel)!;
    expect(again.byteOffset).toBe(place);
    expect(Array.from(again.subarray(0, 3))).toEqual([1, 2, 3]);
    const larger = kernelOutput(1_000_000, kernel)!;
    expect(larger.byteOffset).toBe(place);
    expect(Array.from(larger.subarray(0, 3))).toEqual([1, 2, 3]);
    // Memory grew, so the earlier views are detached; the new one is whole.
    expect(small.length).toBe(0);
    expect(larger.length).toBe(1_000_000);
  });

  test('where a destination lies: outside the module, in the output region, or elsewhere in the module', () => {
    const kernel = createDecodeSimd()!;
    const region = kernelOutput(4096, kernel)!;
    expect(residentOutput(kernel, new Float32Array(16))).toBe(-1);
    expect(residentOutput(kernel, region)).toBe(region.byteOffset);
    expect(residentOutput(kernel, region.subarray(100, 200))).toBe(region.byteOffset + 400);
    // Past the reserved region, where the decoders lay out their scratch: declined.
    const scratch = new Float32Array(kernel.exports.memory.buffer, region.byteOffset + 2 ** 20, 16);
    expect(residentOutput(kernel, scratch)).toBeUndefined();
    expect(decodeAffineSimd(kernel, int8Columns(4, 4, 1), scratch)).toBe(false);
  });

  test('while a decode into the region is under way, memory never grows: a layout that would need it is refused', () => {
    const kernel = createDecodeSimd()!;
    const region = kernelOutput(1024, kernel)!;
    const before = kernel.exports.memory.buffer.byteLength;
    const huge = before * 2;
    expect(whileOutputHeld(kernel, region, () => layOutRegions(kernel, [huge]))).toBeUndefined();
    expect(kernel.exports.memory.buffer.byteLength).toBe(before);
    expect(region.length).toBe(1024);
    // Outside it, the same layout grows memory (and so detaches the region's view).
    expect(layOutRegions(kernel, [huge])).toBeDefined();
    expect(kernel.exports.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(region.length).toBe(0);
  });

  test('a decode into the region that needs more scratch than is free runs in JS, into the same view', () => {
    // A float64 scale and offset per element: 20 bytes of scratch per element (with the zero
    // points the kernels lay out), more than the 8 MiB reserved after a region of this size.
    const kernel = createDecodeSimd()!;
    const size = 1 << 19;
    const encoding = affineEncoding({
      shape: [size],
      bits: 8,
      signed: true,
      granularity: { kind: 'group', axis: 0, size: 1 },
      codes: Uint8Array.from({ length: size }, (_, index) => index * 7),
      scales: { dtype: 'float64', shape: [size], data: Float64Array.from({ length: size }, (_, index) => 1 + (index % 5) / 3) },
      offsets: { dtype: 'float64', shape: [size], data: Float64Array.from({ length: size }, (_, index) => (index % 3) / 7) },
    });
    const region = kernelOutput(size, kernel)!;
    const before = kernel.exports.memory.buffer.byteLength;
    const decoded = whileOutputHeld(kernel, region, () => decodeAffine(encoding, region, kernel));
    expect(decoded).toBe(region);
    expect(region.length).toBe(size);
    expect(kernel.exports.memory.buffer.byteLength).toBe(before);
    expect(bitsOf(region)).toEqual(bitsOf(decodeAffineJs(encoding, new Float32Array(size))));
  });

  test('decodeKernelOutput with decodeToFloat32: the values of a decode into a plain array, for any size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.nat(), (rows, columns, seed) => {
        const encoding = int8Columns(rows, columns, seed);
        const values = decodeKernelOutput(rows * columns);
        if (values === undefined) return; // no WebAssembly SIMD here: nothing to compare
        const decoded = decodeToFloat32(encoding, values);
        expect(decoded.data).toBe(values);
        expect(bitsOf(values)).toEqual(bitsOf(decodeToFloat32(encoding, new Float32Array(rows * columns)).data));
      }),
      { numRuns: 40 },
    );
  });
});
