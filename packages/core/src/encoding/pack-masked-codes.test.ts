import { encodingParts } from './serialize.ts';
import { packBits, packMaskedCodes, unpackBits } from './bit-pack.ts';
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
});
