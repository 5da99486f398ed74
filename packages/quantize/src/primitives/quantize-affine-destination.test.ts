import { encodingParts, hostTensor, type Granularity } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAffineScratch } from './quantize-affine-destination.ts';
import { quantizeAffine, quantizeAffineDestination, type QuantizeAffineOptions } from './quantize-affine.ts';
import { seededRandom } from './seeded-random.ts';

/** Every byte an encoding serialises, part by part: what "the same result" means here. */
function bytesOf(encoding: ReturnType<typeof quantizeAffine>) {
  const parts = encodingParts(encoding);
  return { json: JSON.stringify(parts.metadata), buffers: parts.buffers.map((buffer) => Array.from(buffer.bytes)) };
}

/**
 * Cases on both sides of every kernel's limits: small shapes (the JS kernels), and Dense-sized
 * ones with 16+ columns (the WebAssembly kernel), every width, both grids, every granularity.
 */
const caseArbitrary = fc
  .record({
    rows: fc.integer({ min: 1, max: 40 }),
    columns: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 16, max: 80 })),
    bits: fc.constantFrom(2, 3, 4, 5, 6, 7, 8, 16),
    symmetric: fc.boolean(),
    signedExtreme: fc.boolean(),
    kind: fc.constantFrom('tensor', 'axis-0', 'axis-1', 'group-0', 'group-1'),
    groupSize: fc.constantFrom(3, 16, 32),
    scaleDType: fc.constantFrom('float32' as const, 'float16' as const),
    seed: fc.nat(),
  })
  .map((parameters) => {
    const { rows, columns, kind, groupSize, seed } = parameters;
    const granularity: Granularity =
      kind === 'tensor'
        ? { kind: 'tensor' }
        : kind.startsWith('axis')
          ? { kind: 'axis', axis: Number(kind.slice(-1)) }
          : { kind: 'group', axis: Number(kind.slice(-1)), size: groupSize };
    const random = seededRandom(seed);
    const values = Float32Array.from({ length: rows * columns }, () => (random() - 0.5) * (random() < 0.05 ? 40 : 1));
    const options: QuantizeAffineOptions = {
      bits: parameters.bits,
      symmetric: parameters.symmetric,
      granularity,
      scaleDType: parameters.scaleDType,
      ...(parameters.symmetric ? { grid: parameters.signedExtreme ? 'signed-extreme' : 'absmax' } : {}),
    };
    return { tensor: hostTensor('float32', [rows, columns], values), options };
  });

/** A destination larger than needed, full of stale bytes. */
function staleDestination(shape: number[], options: QuantizeAffineOptions, spare: number, stale: number) {
  const exact = quantizeAffineDestination(shape, options);
  const grow = <T extends Uint8Array | Uint16Array | Float32Array>(array: T): T => {
    const larger = new (array.constructor as new (length: number) => T)(array.length + spare);
    larger.fill(stale);
    return larger;
  };
  return {
    codes: grow(exact.codes!),
    scales: grow(exact.scales!),
    ...(exact.zeroPoints === undefined ? {} : { zeroPoints: grow(exact.zeroPoints) }),
    scratch: createAffineScratch(),
  };
}

describe('quantizeAffine into a destination', () => {
  it('writes the same bytes as allocating, over stale buffers longer than needed', () => {
    fc.assert(
      fc.property(caseArbitrary, fc.nat({ max: 9 }), fc.integer({ min: 1, max: 255 }), ({ tensor, options }, spare, stale) => {
        const fresh = quantizeAffine(tensor, options);
        const destination = staleDestination([...tensor.shape], options, spare, stale);
        const written = quantizeAffine(tensor, options, destination);
        expect(bytesOf(written)).toEqual(bytesOf(fresh));
        // The encoding holds views of the caller's buffers, and nothing past them was touched.
        expect(written.codes.buffer).toBe(destination.codes.buffer);
        expect(Array.from(destination.codes.subarray(written.codes.length)).every((byte) => byte === stale)).toBe(true);
      }),
      { numRuns: 250 },
    );
  });

  it('a destination reused across calls of different sizes holds exactly each new result', () => {
    fc.assert(
      fc.property(fc.array(caseArbitrary, { minLength: 2, maxLength: 4 }), (cases) => {
        // One destination, sized for the largest case, reused for every case in turn.
        const largest = { codes: 0, scales: 0, zeroPoints: 0 };
        for (const { tensor, options } of cases) {
          const sized = quantizeAffineDestination([...tensor.shape], options);
          largest.codes = Math.max(largest.codes, sized.codes!.length);
          largest.scales = Math.max(largest.scales, sized.scales!.length);
          largest.zeroPoints = Math.max(largest.zeroPoints, sized.zeroPoints?.length ?? 0);
        }
        const codes = new Uint8Array(largest.codes);
        const float32Scales = new Float32Array(largest.scales);
        const float16Scales = new Uint16Array(largest.scales);
        const byteZeroPoints = new Uint8Array(largest.zeroPoints);
        const wideZeroPoints = new Uint16Array(largest.zeroPoints);
        const scratch = createAffineScratch();
        for (const { tensor, options } of cases) {
          const destination = {
            codes,
            scales: options.scaleDType === 'float16' ? float16Scales : float32Scales,
            zeroPoints: options.bits === 16 ? wideZeroPoints : byteZeroPoints,
            scratch,
          };
          expect(bytesOf(quantizeAffine(tensor, options, destination))).toEqual(bytesOf(quantizeAffine(tensor, options)));
        }
      }),
      { numRuns: 120 },
    );
  });

  it('refuses buffers of the wrong type or too short, naming the field, and writes nothing over the input', () => {
    const values = Float32Array.from({ length: 64 * 32 }, (_, index) => Math.sin(index));
    const tensor = hostTensor('float32', [64, 32], values);
    const int4 = { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } } as const;
    const uint3 = { bits: 3, symmetric: false, granularity: { kind: 'axis', axis: 1 } } as const;
    const cases: Array<[QuantizeAffineOptions, object, string]> = [
      [int4, { codes: new Uint8Array(1023) }, 'destination.codes'],
      [int4, { codes: new Uint16Array(1024) }, 'destination.codes'],
      [int4, { codes: [] }, 'destination.codes'],
      [int4, { scales: new Float32Array(64) }, 'destination.scales'],
      [int4, { scales: new Uint16Array(63) }, 'destination.scales'],
      [{ ...int4, scaleDType: 'float32' }, { scales: new Uint16Array(64) }, 'destination.scales'],
      [uint3, { zeroPoints: new Uint8Array(31) }, 'destination.zeroPoints'],
      [uint3, { zeroPoints: new Uint16Array(32) }, 'destination.zeroPoints'],
      [int4, { scratch: {} }, 'destination.scratch'],
      [int4, { codes: new Uint8Array(values.buffer, 0, 1024) }, 'destination.codes'],
    ];
    for (const [options, destination, field] of cases) {
      expect(() => quantizeAffine(tensor, options, destination as never)).toThrow(
        expect.objectContaining({ code: 'invalid-argument', field, message: expect.not.stringContaining('\n') }),
      );
    }
    expect(() => quantizeAffine(tensor, int4, 7 as never)).toThrow(expect.objectContaining({ field: 'destination' }));
    expect(values[0]).toBe(0);
    expect(values[1]).toBe(Math.fround(Math.sin(1)));
  });

  it('quantizeAffineDestination sizes exactly what the call stores', () => {
    const destination = quantizeAffineDestination([64, 32], { bits: 3, symmetric: false, granularity: { kind: 'group', axis: 0, size: 32 } });
    expect(destination.codes!.length).toBe((64 * 32 * 3) / 8);
    expect(destination.scales).toBeInstanceOf(Uint16Array);
    expect(destination.scales!.length).toBe(64);
    expect(destination.zeroPoints).toBeInstanceOf(Uint8Array);
    expect(() => quantizeAffineDestination([0, 2 ** 40], { bits: 8, granularity: { kind: 'axis', axis: 1 } })).toThrow(
      expect.objectContaining({ code: 'invalid-tensor', field: 'shape' }),
    );
  });
});
