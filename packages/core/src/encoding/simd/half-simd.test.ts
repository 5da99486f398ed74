import { describe, expect, test } from 'vitest';
import { bfloat16ArrayToFloat32Js, float16ArrayToFloat32Js, float16BitsToFloat32 } from '../../tensor/half.ts';
import { createDecodeSimd, kernelOutput } from './decode-kernel.ts';
import { widenHalvesSimd } from './half-simd.ts';

const kernel = createDecodeSimd({ chunkElements: 1008, minimumElements: 0 })!;
const bitsOf = (values: Float32Array): number[] => Array.from(new Uint32Array(values.buffer));
const everyPattern = Uint16Array.from({ length: 65536 }, (_, index) => index);

describe('16-bit float SIMD widening', () => {
  test('float16: all 65536 patterns give the JS table’s bits (NaN sign and payload included)', () => {
    const simd = new Float32Array(65536);
    expect(widenHalvesSimd(kernel, 'float16', everyPattern, simd)).toBe(true);
    expect(bitsOf(simd)).toEqual(bitsOf(float16ArrayToFloat32Js(everyPattern, new Float32Array(65536))));
    // And the values themselves, by the format's definition, for every non-NaN pattern.
    for (let bits = 0; bits < 65536; bits++) {
      const expected = float16BitsToFloat32(bits);
      if (!Number.isNaN(expected)) expect(Object.is(simd[bits], expected)).toBe(true);
    }
  });

  test('bfloat16: all 65536 patterns are the top half of their float32', () => {
    const simd = new Float32Array(65536);
    expect(widenHalvesSimd(kernel, 'bfloat16', everyPattern, simd)).toBe(true);
    expect(bitsOf(simd)).toEqual(Array.from(everyPattern, (bits) => (bits << 16) >>> 0));
    expect(bitsOf(simd)).toEqual(bitsOf(bfloat16ArrayToFloat32Js(everyPattern, new Float32Array(65536))));
  });

  test('odd lengths and offsets: only the destination’s elements are written', () => {
    for (const length of [1, 7, 1007, 1009, 3000]) {
      const source = everyPattern.subarray(3, 3 + length);
      const backing = new Float32Array(length + 2).fill(42);
      const destination = backing.subarray(1, length + 1);
      expect(widenHalvesSimd(kernel, 'float16', source, destination)).toBe(true);
      expect(backing[0]).toBe(42);
      expect(backing[length + 1]).toBe(42);
      expect(bitsOf(new Float32Array(destination))).toEqual(bitsOf(float16ArrayToFloat32Js(source, new Float32Array(length))));
    }
  });

  test('in place in the output region: the same bits, nothing around the destination touched', () => {
    for (const length of [1, 15, 16, 17, 1007, 1008, 1009, 1023, 1024, 1025, 3000]) {
      for (const format of ['float16', 'bfloat16'] as const) {
        const source = everyPattern.subarray(5, 5 + length);
        const region = kernelOutput(length + 2, kernel)!;
        region.fill(42);
        const destination = region.subarray(1, length + 1);
        expect(widenHalvesSimd(kernel, format, source, destination)).toBe(true);
        expect(region[0]).toBe(42);
        expect(region[length + 1]).toBe(42);
        const expected = format === 'float16' ? float16ArrayToFloat32Js(source, new Float32Array(length)) : bfloat16ArrayToFloat32Js(source, new Float32Array(length));
        expect(bitsOf(new Float32Array(destination))).toEqual(bitsOf(expected));
      }
    }
  });
});
