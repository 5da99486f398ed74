import { encodingParts, hostTensor, type Granularity } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantizeAffine, quantizeAffineDestination } from '../primitives/quantize-affine.ts';
import { seededRandom } from '../primitives/seeded-random.ts';
import { affineKernelInput, defaultAffineSimd, kernelInput } from './affine-simd.ts';

function bytesOf(encoding: ReturnType<typeof quantizeAffine>) {
  const parts = encodingParts(encoding);
  return { metadata: JSON.stringify(parts.metadata), buffers: parts.buffers.map((buffer) => Array.from(buffer.bytes)) };
}

describe('quantizing input filled in place in the kernel memory', () => {
  it('writes the same bytes as quantizing the same values from ordinary memory', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 16, max: 200 }),
        fc.constantFrom(2, 3, 4, 8),
        fc.constantFrom('axis-0', 'axis-1', 'group-0', 'group-1'),
        fc.boolean(),
        fc.nat(),
        (rows, columns, bits, kind, symmetric, seed) => {
          const granularity: Granularity = kind.startsWith('axis')
            ? { kind: 'axis', axis: Number(kind.slice(-1)) }
            : { kind: 'group', axis: Number(kind.slice(-1)), size: 32 };
          const random = seededRandom(seed);
          const values = Float32Array.from({ length: rows * columns }, () => random() - 0.5);
          const options = { bits, symmetric, granularity };
          const expected = bytesOf(quantizeAffine(hostTensor('float32', [rows, columns], values), options));
          const input = affineKernelInput(values.length)!;
          expect(input.buffer).toBe(defaultAffineSimd()!.exports.memory.buffer);
          input.set(values);
          const destination = quantizeAffineDestination([rows, columns], options);
          expect(bytesOf(quantizeAffine(hostTensor('float32', [rows, columns], input), options, destination))).toEqual(expected);
          // The input is read, never written.
          expect(Array.from(input)).toEqual(Array.from(values));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('reads a view of the kernel memory outside its input region correctly too (through the JS kernels)', () => {
    const kernel = defaultAffineSimd()!;
    const input = affineKernelInput(64 * 32)!;
    const values = Float32Array.from({ length: 64 * 32 }, (_, index) => Math.cos(index));
    const options = { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } } as const;
    const expected = bytesOf(quantizeAffine(hostTensor('float32', [64, 32], values), options));
    // Past the input region: where the kernel keeps its scratch.
    const outside = new Float32Array(kernel.exports.memory.buffer, kernel.exports.memory.buffer.byteLength - values.byteLength, values.length);
    outside.set(values);
    expect(bytesOf(quantizeAffine(hostTensor('float32', [64, 32], outside), options))).toEqual(expected);
    expect(input.length).toBe(64 * 32);
  });

  it('refuses a count that is not a size the memory can hold', () => {
    for (const count of [-1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => affineKernelInput(count)).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'count' }));
    }
    expect(kernelInput(8, null)).toBeUndefined();
  });
});
