import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { affineFromCodes } from './affine.ts';
import { byteLength, encodingParamCount, encodingShape } from './byte-length.ts';
import { castDense } from './dense.ts';
import { encodingParts } from './serialize.ts';
import { sparseFromDense } from './sparse-from-dense.ts';

describe('byteLength', () => {
  test('equals the bytes of every component buffer, nested ones included', () => {
    fc.assert(
      fc.property(encodingArbitrary({ maxDepth: 3 }), (encoding) => {
        const total = encodingParts(encoding).buffers.reduce((sum, buffer) => sum + buffer.bytes.byteLength, 0);
        expect(byteLength(encoding)).toBe(total);
      }),
      { numRuns: 200 }
    );
  });

  test('counts codes, scales and zero points; sparse layouts plus their values', () => {
    const affine = affineFromCodes({
      shape: [3, 5],
      bits: 3,
      signed: false,
      granularity: { kind: 'axis', axis: 0 },
      codes: new Array(15).fill(1),
      scales: { dtype: 'float16', shape: [3], data: new Uint16Array(3) },
      zeroPoints: { dtype: 'uint8', shape: [3], data: new Uint8Array(3) },
    });
    expect(byteLength(affine)).toBe(6 + 6 + 3);
    const data = new Float32Array(20);
    data[3] = 1;
    data[17] = 2;
    const tensor = { dtype: 'float32', shape: [4, 5], data } as const;
    // Mask 3 bytes + 2 half-precision values.
    expect(byteLength(sparseFromDense(tensor, { kind: 'bitmask' }, (values) => castDense(values, 'float16')))).toBe(
      3 + 4
    );
    // 5 row pointers × 4 bytes + 2 two-bit gaps (1 byte) + 2 float32 values.
    expect(byteLength(sparseFromDense(tensor, { kind: 'csr', indexBits: 2 }))).toBe(20 + 1 + 8);
  });

  test('shape and parameter count are those of the logical tensor', () => {
    const encoding = castDense({ dtype: 'int8', shape: [2, 3], data: new Int8Array(6) }, 'bfloat16');
    expect(encodingShape(encoding)).toEqual([2, 3]);
    expect(encodingParamCount(encoding)).toBe(6);
  });
});
