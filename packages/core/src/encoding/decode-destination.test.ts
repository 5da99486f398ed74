import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { toFloat32 } from '../tensor/host-tensor.ts';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { tensorBits } from '../testing/bits.ts';
import { affineEncoding } from './affine.ts';
import { encodingParamCount } from './byte-length.ts';
import { codebookEncoding } from './codebook.ts';
import { decode, decodeToFloat32 } from './decode.ts';
import { denseEncoding } from './dense.ts';
import { sparseFromDense } from './sparse-from-dense.ts';
import type { Encoding } from './types.ts';

function expectDestinationError(run: () => unknown, pattern: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(WhittleError);
  const error = thrown as WhittleError;
  expect(error.code).toBe('invalid-argument');
  expect(error.field).toBe('destination');
  expect(error.message).not.toContain('\n');
  expect(error.message).toMatch(pattern);
}

describe('decoding into a caller’s Float32Array', () => {
  test('every kind writes exactly what decodeToFloat32 returns, into the array it was given', () => {
    fc.assert(
      fc.property(encodingArbitrary({ maxDepth: 2 }), fc.nat({ max: 3 }), (encoding, padding) => {
        const size = encodingParamCount(encoding);
        // A view at an offset into a larger, dirty buffer: nothing outside it may change.
        const backing = new Float32Array(size + 2 * padding).fill(7);
        const destination = backing.subarray(padding, padding + size);
        const decoded = decode(encoding, destination);
        expect(decoded.data).toBe(destination);
        expect(decoded.dtype).toBe('float32');
        expect(tensorBits(decoded)).toEqual(tensorBits(toFloat32(decode(encoding))));
        expect(Array.from(backing.subarray(0, padding))).toEqual(new Array(padding).fill(7));
        expect(Array.from(backing.subarray(padding + size))).toEqual(new Array(padding).fill(7));
        const again = decodeToFloat32(encoding, destination);
        expect(again.data).toBe(destination);
      }),
      { numRuns: 300 },
    );
  });

  test('every sparse layout writes the dense tensor it came from into a dirty array, zeros included', () => {
    const layouts = fc.oneof(
      fc.constant({ kind: 'bitmask' } as const),
      fc.constantFrom(1, 2, 5).map((indexBits) => ({ kind: 'csr', indexBits }) as const),
      fc.constantFrom(1, 3, 5, 8).map((indexBits) => ({ kind: 'relative', indexBits }) as const),
    );
    const entry = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.float({ noNaN: true, noDefaultInfinity: true }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.infiniteStream(entry), layouts, (rows, columns, stream, layout) => {
        const data = Float32Array.from(stream.take(rows * columns));
        const encoding = sparseFromDense({ dtype: 'float32', shape: [rows, columns], data }, layout);
        const destination = new Float32Array(rows * columns).fill(Number.NaN);
        expect(decode(encoding, destination).data).toBe(destination);
        expect(tensorBits({ dtype: 'float32', shape: [rows, columns], data: destination })).toEqual(tensorBits({ dtype: 'float32', shape: [rows, columns], data }));
      }),
      { numRuns: 200 },
    );
  });

  test('a reused array decodes a second tensor with nothing left of the first', () => {
    const first = denseEncoding({ dtype: 'float32', shape: [3], data: Float32Array.of(1, 2, 3) });
    const second = affineEncoding({
      shape: [3], bits: 8, signed: true, granularity: { kind: 'tensor' },
      codes: Uint8Array.of(1, 255, 0), scales: { dtype: 'float32', shape: [], data: Float32Array.of(0.5) },
    });
    const reused = new Float32Array(3);
    decode(first, reused);
    expect(Array.from(decode(second, reused).data)).toEqual([0.5, -0.5, 0]);
  });

  test('a destination of the wrong length or type is a one-line invalid-argument error', () => {
    const encoding = denseEncoding({ dtype: 'int8', shape: [2, 3], data: new Int8Array(6) });
    expectDestinationError(() => decode(encoding, new Float32Array(5)), /destination holds 5 floats; the tensor has 6 elements/);
    expectDestinationError(() => decodeToFloat32(encoding, new Float32Array(7)), /destination holds 7 floats/);
    for (const wrong of [new Float64Array(6), [0, 0, 0, 0, 0, 0], null, 6, new Uint8Array(24)]) {
      expectDestinationError(() => decode(encoding, wrong as unknown as Float32Array), /destination must be a Float32Array, got/);
    }
  });

  test('a destination sharing bytes with the encoding is refused before anything is written', () => {
    const buffer = new ArrayBuffer(128);
    const codes = new Uint8Array(buffer, 0, 16);
    codes.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const affine = affineEncoding({
      shape: [16], bits: 8, signed: false, granularity: { kind: 'tensor' },
      codes, scales: { dtype: 'float32', shape: [], data: Float32Array.of(1) },
    });
    const codebook = codebookEncoding({
      shape: [32], bits: 4, centroids: { dtype: 'float32', shape: [16], data: new Float32Array(16) }, indices: codes,
    });
    const half: Encoding = denseEncoding({ dtype: 'float16', shape: [8], data: new Uint16Array(buffer, 0, 8) });
    for (const [encoding, size] of [[affine, 16], [codebook, 32], [half, 8]] as const) {
      const before = Array.from(codes);
      expectDestinationError(() => decode(encoding, new Float32Array(buffer, 0, size)), /destination overlaps/);
      expect(Array.from(codes)).toEqual(before);
    }
    // A sparse tensor's float32 values and its layout are read while the dense tensor is written.
    const values = new Float32Array(buffer, 0, 4);
    const sparse: Encoding = {
      kind: 'sparse', shape: [8], layout: { kind: 'bitmask', mask: new Uint8Array(buffer, 32, 1).fill(0b1111) },
      values: denseEncoding({ dtype: 'float32', shape: [4], data: values }),
    };
    for (const offset of [0, 24]) {
      const before = Array.from(new Uint8Array(buffer, 0, 40));
      expectDestinationError(() => decode(sparse, new Float32Array(buffer, offset, 8)), /destination overlaps the encoding's values or layout/);
      expect(Array.from(new Uint8Array(buffer, 0, 40))).toEqual(before);
    }
    // Other bytes of the same buffer are fine.
    const disjoint = new Float32Array(buffer, 64, 16);
    expect(decode(affine, disjoint).data).toBe(disjoint);
    expect(Array.from(disjoint)).toEqual(Array.from(codes));
  });
});
