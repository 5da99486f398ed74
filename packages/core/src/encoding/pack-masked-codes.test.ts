import { encodingParts } from './serialize.ts';
import { packBits, packMaskedCodes, packMaskedCodesInto, unpackBits } from './bit-pack.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const WIDTHS = [1, 2, 3, 4, 5, 6, 7, 8, 16] as const;

describe('packMaskedCodes', () => {
  it("packs exactly as core's packBits, and unpacks back, for every width", () => {
    fc.assert(
      fc.property(fc.constantFrom(...WIDTHS), fc.array(fc.nat(), { maxLength: 70 }), fc.boolean(), (bits, seeds, signed) => {
        const mask = 2 ** bits - 1;
        const masked = seeds.map((seed) => seed & mask);
        const codes = bits === 16 ? Uint16Array.from(masked) : Uint8Array.from(masked);
        const packed = packMaskedCodes(codes, bits);
        expect(Array.from(packed)).toEqual(Array.from(packBits(masked, bits, false)));
        expect(Array.from(unpackBits(packed, masked.length, bits))).toEqual(masked);
        // The same bytes read as signed codes are the two's-complement values core packs.
        const signedCodes = masked.map((code) => (code >= 2 ** (bits - 1) ? code - 2 ** bits : code));
        if (signed) expect(Array.from(unpackBits(packed, masked.length, bits, true))).toEqual(signedCodes);
      }),
      { numRuns: 400 },
    );
  });

  it('returns 8-bit codes as they are, and rejects the wrong array for the width', () => {
    const codes = new Uint8Array([1, 2, 3]);
    expect(packMaskedCodes(codes, 8)).toBe(codes);
    expect(() => packMaskedCodes(new Uint8Array(2), 16)).toThrow(expect.objectContaining({ field: 'codes' }));
    expect(() => packMaskedCodes(new Uint16Array(2), 4)).toThrow(expect.objectContaining({ field: 'codes' }));
    expect(() => packMaskedCodes(new Uint8Array(2), 9)).toThrow(expect.objectContaining({ field: 'codes' }));
  });

  it('writes 16-bit codes little-endian, as encodingParts serialises them', () => {
    const packed = packMaskedCodes(new Uint16Array([0x0102, 0xfffe]), 16);
    expect(Array.from(packed)).toEqual([2, 1, 0xfe, 0xff]);
    expect(encodingParts({ kind: 'dense', tensor: { dtype: 'uint8', shape: [4], data: packed } }).buffers[0]?.bytes).toEqual(packed);
  });

  it('packs into a reused buffer holding stale bytes exactly as packBits packs, and refuses a short one', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WIDTHS),
        fc.array(fc.nat(), { maxLength: 70 }),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 0, max: 255 }),
        (bits, seeds, spare, stale) => {
          const masked = seeds.map((seed) => seed & (2 ** bits - 1));
          const codes = bits === 16 ? Uint16Array.from(masked) : Uint8Array.from(masked);
          const expected = Array.from(packBits(masked, bits, false));
          const reused = new Uint8Array(expected.length + spare).fill(stale);
          const packed = packMaskedCodesInto(codes, bits, reused);
          expect(packed.buffer).toBe(reused.buffer);
          expect(Array.from(packed)).toEqual(expected);
          // Bytes past the packed ones are the caller's and stay as they were.
          expect(Array.from(reused.subarray(expected.length))).toEqual(new Array(spare).fill(stale));
          if (expected.length > 0) {
            expect(() => packMaskedCodesInto(codes, bits, new Uint8Array(expected.length - 1))).toThrow(
              expect.objectContaining({ code: 'invalid-argument', field: 'packed' }),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(() => packMaskedCodesInto(new Uint8Array(4), 4, new Uint16Array(4) as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ field: 'packed' }),
    );
  });
});
