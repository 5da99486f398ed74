/**
 * Fast packing of codes that are already in range and masked to `bits` (what the bulk
 * quantizers produce), in core's layout: LSB-first, row-major (see core's `packBits`, which
 * checks every code and is the reference this file is tested against). One pass, no per-code
 * calls, whole bytes at a time where the width divides 8.
 */
import { WhittleError, describe } from '@whittle/core';

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Packs unsigned, masked codes `bits` wide: one per byte for 1–8 bits, one per 16-bit element
 * for 16 bits. For 8 bits the input is returned as is (not copied).
 *
 * @example
 * ```ts
 * packMaskedCodes(new Uint8Array([1, 2, 3]), 4); // Uint8Array [0x21, 0x03]
 * packMaskedCodes(new Uint8Array([0b11, 0b01]), 2); // Uint8Array [0b0111]
 * ```
 */
export function packMaskedCodes(codes: Uint8Array | Uint16Array, bits: number): Uint8Array {
  if (bits === 16) {
    if (!(codes instanceof Uint16Array)) throw wrongArray(bits, codes);
    return sixteenBitBytes(codes);
  }
  if (!(codes instanceof Uint8Array) || !Number.isInteger(bits) || bits < 1 || bits > 8) throw wrongArray(bits, codes);
  const count = codes.length;
  if (bits === 8) return codes;
  const packed = new Uint8Array(Math.ceil((count * bits) / 8));
  switch (bits) {
    case 4: {
      const pairs = count >>> 1;
      for (let byte = 0, index = 0; byte < pairs; byte++, index += 2) {
        packed[byte] = codes[index]! | (codes[index + 1]! << 4);
      }
      if (count & 1) packed[pairs] = codes[count - 1]!;
      return packed;
    }
    case 2:
    case 1: {
      const perByte = 8 / bits;
      const whole = Math.floor(count / perByte);
      let index = 0;
      for (let byte = 0; byte < whole; byte++) {
        let value = 0;
        for (let shift = 0; shift < 8; shift += bits) value |= codes[index++]! << shift;
        packed[byte] = value;
      }
      let tail = 0;
      for (let shift = 0; index < count; shift += bits) tail |= codes[index++]! << shift;
      if (whole < packed.length) packed[whole] = tail;
      return packed;
    }
    default: {
      // 3, 5, 6, 7 bits straddle bytes: stream through an accumulator.
      let accumulator = 0;
      let pending = 0;
      let byte = 0;
      for (let index = 0; index < count; index++) {
        accumulator |= codes[index]! << pending;
        pending += bits;
        if (pending >= 8) {
          packed[byte++] = accumulator & 0xff;
          accumulator >>>= 8;
          pending -= 8;
        }
      }
      if (pending > 0) packed[byte] = accumulator & 0xff;
      return packed;
    }
  }
}

function sixteenBitBytes(codes: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return bytes;
  const swapped = new Uint8Array(bytes.length);
  for (let index = 0; index < bytes.length; index += 2) {
    swapped[index] = bytes[index + 1]!;
    swapped[index + 1] = bytes[index]!;
  }
  return swapped;
}

function wrongArray(bits: number, codes: unknown): WhittleError {
  return new WhittleError(
    'invalid-argument',
    `packs 1–8-bit codes from a Uint8Array or 16-bit codes from a Uint16Array, got ${describe(bits)} bits and ${describe(codes)}`,
    { field: 'codes' },
  );
}
