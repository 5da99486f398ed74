import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { CODE_WIDTHS } from '../testing/arbitraries.ts';
import { codeRange, forEachCodeChunk, packBits, packedByteLength, unpackBits } from './bit-pack.ts';

function sameCodes(actual: Int32Array, expected: Int32Array): boolean {
  return actual.length === expected.length && actual.every((code, index) => code === expected[index]);
}

const codesArbitrary = fc
  .record({ bits: fc.constantFrom(...CODE_WIDTHS), signed: fc.boolean() })
  .chain(({ bits, signed }) => {
    const { min, max } = codeRange(bits, signed);
    return fc.record({
      bits: fc.constant(bits),
      signed: fc.constant(signed),
      codes: fc.array(fc.integer({ min, max }), { maxLength: 70 }),
    });
  });

describe('packBits / unpackBits', () => {
  test('round-trip every width, signed and unsigned, any length', () => {
    fc.assert(
      fc.property(codesArbitrary, ({ bits, signed, codes }) => {
        const packed = packBits(codes, bits, signed);
        expect(packed.length).toBe(Math.ceil((codes.length * bits) / 8));
        expect(packed.length).toBe(packedByteLength(codes.length, bits));
        expect(Array.from(unpackBits(packed, codes.length, bits, signed))).toEqual(codes);
      }),
      { numRuns: 400 }
    );
  });

  test('signed codes pack as their two’s complement unsigned pattern', () => {
    fc.assert(
      fc.property(codesArbitrary, ({ bits, codes }) => {
        const unsigned = codes.map((code) => (code < 0 ? code + 2 ** bits : code));
        const packed = packBits(codes, bits);
        expect(packed).toEqual(packBits(unsigned, bits, false));
        expect(Array.from(unpackBits(packed, codes.length, bits))).toEqual(unsigned);
      })
    );
  });

  test('is LSB-first in element order', () => {
    expect(Array.from(packBits([1, 2, 3], 4))).toEqual([0x21, 0x03]);
    expect(Array.from(packBits([1, 0, 0, 0, 0, 0, 0, 0, 1], 1))).toEqual([0x01, 0x01]);
    expect(Array.from(packBits([5, 3, 7], 3))).toEqual([0b11011101, 0b1]);
    expect(Array.from(packBits([0x1234], 16))).toEqual([0x34, 0x12]);
    expect(Array.from(packBits([-1, 1], 2, true))).toEqual([0b0111]);
  });

  test('rejects codes outside the width', () => {
    for (const [codes, bits, signed] of [
      [[16], 4, false],
      [[8], 4, true],
      [[-9], 4, true],
      [[-1], 4, false],
      [[0.5], 8, undefined],
      [[Number.NaN], 8, undefined],
      [[2 ** 16], 16, undefined],
    ] as const) {
      expect(() => packBits(codes, bits, signed)).toThrow(WhittleError);
    }
    expect(() => packBits([1], 9)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => packBits([1], 0)).toThrow(WhittleError);
  });

  test('rejects a packed buffer that is too short', () => {
    expect(() => unpackBits(new Uint8Array(1), 3, 4)).toThrow(expect.objectContaining({ code: 'invalid-encoding' }));
    expect(() => unpackBits(new Uint8Array(4), -1, 4)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => packedByteLength(1.5, 4)).toThrow(WhittleError);
  });

  test('ignores trailing bytes beyond what the count needs', () => {
    expect(Array.from(unpackBits(new Uint8Array([0xff, 0xff, 0xff]), 3, 3))).toEqual([7, 7, 7]);
  });

  test('forEachCodeChunk visits every code once, in order, across chunk boundaries', () => {
    for (const bits of CODE_WIDTHS) {
      const count = 150_001;
      const { min, max } = codeRange(bits, true);
      const codes = Int32Array.from({ length: count }, (_, index) => min + ((index * 7919) % (max - min + 1)));
      const packed = packBits(codes, bits, true);
      const seen = new Int32Array(count);
      const starts: number[] = [];
      forEachCodeChunk(packed, count, bits, true, (chunk, start) => {
        starts.push(start);
        seen.set(chunk, start);
      });
      expect(starts).toEqual([0, 65536, 131072]);
      // toEqual on 150k elements is slow; a plain loop is not.
      expect(sameCodes(seen, codes)).toBe(true);
      expect(sameCodes(unpackBits(packed, count, bits, true), codes)).toBe(true);
    }
  });
});
