/**
 * Bit packing of integer codes, LSB-first in row-major order: code `i` occupies bits
 * `i * bits … i * bits + bits - 1` of the byte stream, where bit `k` is bit `k % 8` of byte
 * `floor(k / 8)`. Signed codes are stored two's complement in `bits` bits.
 */
import { WhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import { littleEndianBytes } from './byte-order.ts';


/**
 * True when `bits` is a code width whittle packs: 1–8 or 16.
 *
 * @example
 * ```ts
 * isValidBits(4); // true
 * isValidBits(12); // false
 * ```
 */
export function isValidBits(bits: unknown): bits is number {
  return bits === 16 || (typeof bits === 'number' && Number.isInteger(bits) && bits >= 1 && bits <= 8);
}

/**
 * The smallest and largest code a `bits`-wide code can hold.
 *
 * @example
 * ```ts
 * codeRange(4, true); // { min: -8, max: 7 }
 * ```
 */
export function codeRange(bits: number, signed: boolean): { min: number; max: number } {
  checkBits(bits);
  return signed ? { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 } : { min: 0, max: 2 ** bits - 1 };
}

/**
 * Bytes that `count` codes of `bits` bits occupy once packed: ceil(count * bits / 8).
 *
 * @example
 * ```ts
 * packedByteLength(10, 3); // 4
 * ```
 */
export function packedByteLength(count: number, bits: number): number {
  checkBits(bits);
  checkCount(count);
  return Math.ceil((count * bits) / 8);
}

/**
 * Packs integer codes `bits` wide (1–8 or 16), LSB-first. `signed` picks the range checked:
 * true → [-2^(bits-1), 2^(bits-1) - 1], false → [0, 2^bits - 1], omitted → either. Padding bits
 * of the last byte are zero.
 *
 * @example
 * ```ts
 * packBits([1, 2, 3], 4); // Uint8Array [0x21, 0x03]
 * packBits([-1, 1], 2, true); // Uint8Array [0b0111]
 * ```
 */
export function packBits(codes: ArrayLike<number>, bits: number, signed?: boolean): Uint8Array {
  checkBits(bits);
  const count = codes.length;
  const min = signed === false ? 0 : -(2 ** (bits - 1));
  const max = signed === true ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const mask = 2 ** bits - 1;
  // Check and mask every code (arbitrary array-likes, even number[]), then pack the masked ones.
  const masked = bits === 16 ? new Uint16Array(count) : new Uint8Array(count);
  for (let index = 0; index < count; index++) {
    const code = codes[index]!;
    if (!(code >= min && code <= max) || (code | 0) !== code) {
      throw new WhittleError(
        'invalid-argument',
        `code ${describeValue(code)} does not fit ${bits} ${
          signed === undefined ? '' : signed ? 'signed ' : 'unsigned '
        }bits`,
        { field: `codes[${index}]` }
      );
    }
    masked[index] = code & mask;
  }
  return packMaskedCodes(masked, bits);
}

/**
 * Packs codes that are already in range and masked to `bits` (what bulk quantizers produce), in
 * the same layout as {@link packBits} but without checking each code: one pass, whole bytes at a
 * time where the width divides 8. One code per byte for 1–8 bits, one per 16-bit element for 16
 * bits; for 8 bits the input is returned as is (not copied).
 *
 * @example
 * ```ts
 * packMaskedCodes(new Uint8Array([1, 2, 3]), 4); // Uint8Array [0x21, 0x03]
 * packMaskedCodes(new Uint8Array([0b11, 0b01]), 2); // Uint8Array [0b0111]
 * ```
 */
export function packMaskedCodes(codes: Uint8Array | Uint16Array, bits: number): Uint8Array {
  checkMaskedCodes(codes, bits);
  if (bits === 8) return codes as Uint8Array;
  const count = codes.length;
  const packed = new Uint8Array(bits === 16 ? 2 * count : Math.ceil((count * bits) / 8));
  return packMaskedCodesInto(codes, bits, packed);
}

/**
 * {@link packMaskedCodes} into a caller's buffer: writes exactly the first
 * `packedByteLength(codes.length, bits)` bytes of `packed` (the last byte's padding bits zeroed,
 * whatever it held) and returns that many bytes of it as a view. Throws `invalid-argument` naming
 * `packed` when it is shorter.
 *
 * @example
 * ```ts
 * const reused = new Uint8Array(1024);
 * packMaskedCodesInto(new Uint8Array([1, 2, 3]), 4, reused); // view of reused: [0x21, 0x03]
 * ```
 */
export function packMaskedCodesInto(codes: Uint8Array | Uint16Array, bits: number, packed: Uint8Array): Uint8Array {
  checkMaskedCodes(codes, bits);
  const count = codes.length;
  const needed = bits === 16 ? 2 * count : Math.ceil((count * bits) / 8);
  if (!(packed instanceof Uint8Array) || packed.length < needed) throw shortOutput(needed, packed);
  const output = packed.length === needed ? packed : packed.subarray(0, needed);
  if (bits === 16) {
    output.set(littleEndianBytes(codes as Uint16Array));
    return output;
  }
  if (bits === 8) {
    if (output !== codes) output.set(codes);
    return output;
  }
  // Each width's loop lives in its own function, so the JIT optimises each on its own feedback:
  // one shared body, first optimised while only one width ran, deoptimises on the next width
  // and can stay slow for the rest of the process.
  if (bits === 4) packNibbles(codes as Uint8Array, output);
  else if (bits === 2 || bits === 1) packWithinBytes(codes as Uint8Array, bits, output);
  else packAcrossBytes(codes as Uint8Array, bits, output);
  return output;
}

/** 16-bit codes in a Uint16Array, 1–8-bit ones in a Uint8Array; anything else is refused before any allocation. */
function checkMaskedCodes(codes: unknown, bits: number): void {
  const fits = bits === 16 ? codes instanceof Uint16Array : codes instanceof Uint8Array && Number.isInteger(bits) && bits >= 1 && bits <= 8;
  if (!fits) throw wrongArray(bits, codes);
}

function shortOutput(needed: number, packed: unknown): WhittleError {
  return new WhittleError('invalid-argument', `packed codes need a Uint8Array of at least ${needed} bytes, got ${describeValue(packed)}`, {
    field: 'packed',
  });
}

function wrongArray(bits: number, codes: unknown): WhittleError {
  return new WhittleError(
    'invalid-argument',
    `packs 1–8-bit codes from a Uint8Array or 16-bit codes from a Uint16Array, got ${describeValue(bits)} bits and ${describeValue(codes)}`,
    { field: 'codes' },
  );
}

/**
 * Unpacks `count` codes of `bits` bits from `packed`, sign-extending when `signed`. Throws an
 * `invalid-encoding` error when `packed` is shorter than `packedByteLength(count, bits)`.
 *
 * @example
 * ```ts
 * unpackBits(new Uint8Array([0x21, 0x03]), 3, 4); // Int32Array [1, 2, 3]
 * ```
 */
export function unpackBits(packed: Uint8Array, count: number, bits: number, signed = false): Int32Array {
  const needed = packedByteLength(count, bits);
  if (packed.length < needed) {
    throw new WhittleError(
      'invalid-encoding',
      `${count} codes of ${bits} bits need ${needed} bytes, got ${packed.length}`,
      { field: 'packed' }
    );
  }
  const codes = new Int32Array(count);
  // Sign extension by shifting the code's top bit into bit 31 and back.
  const shift = signed ? 32 - bits : 0;
  if (bits === 8 && !signed) {
    codes.set(packed.subarray(0, count));
  } else if (bits === 8) {
    for (let index = 0; index < count; index++) codes[index] = (packed[index]! << 24) >> 24;
  } else if (bits === 16) {
    for (let index = 0; index < count; index++) {
      codes[index] = ((packed[2 * index]! | (packed[2 * index + 1]! << 8)) << shift) >> shift;
    }
  } else if (bits === 4 || bits === 2 || bits === 1) {
    const mask = (1 << bits) - 1;
    for (let index = 0, byte = 0; index < count; byte++) {
      const value = packed[byte]!;
      for (let offset = 0; offset < 8 && index < count; offset += bits) {
        codes[index++] = (((value >>> offset) & mask) << shift) >> shift;
      }
    }
  } else {
    const mask = (1 << bits) - 1;
    let byte = 0;
    let offset = 0;
    for (let index = 0; index < count; index++) {
      // A code of at most 8 bits starting at bit offset ≤ 7 lies within two bytes.
      const window = packed[byte]! | ((byte + 1 < needed ? packed[byte + 1]! : 0) << 8);
      codes[index] = (((window >>> offset) & mask) << shift) >> shift;
      offset += bits;
      if (offset >= 8) {
        offset -= 8;
        byte++;
      }
    }
  }
  return codes;
}

/** Codes unpacked per chunk by {@link forEachCodeChunk}: a multiple of 8, so chunks start on byte boundaries. */
const CHUNK_CODES = 1 << 16;

/**
 * Unpacks `count` codes chunk by chunk, calling `visit(codes, start)` for each, so scanning or
 * decoding a huge tensor never holds all of its codes as 32-bit integers at once.
 *
 * @example
 * ```ts
 * let largest = 0;
 * forEachCodeChunk(packed, 1_000_000, 4, false, (codes) => { for (const code of codes) largest = Math.max(largest, code); });
 * ```
 */
export function forEachCodeChunk(
  packed: Uint8Array,
  count: number,
  bits: number,
  signed: boolean,
  visit: (codes: Int32Array, start: number) => void
): void {
  const needed = packedByteLength(count, bits);
  if (packed.length < needed) {
    throw new WhittleError(
      'invalid-encoding',
      `${count} codes of ${bits} bits need ${needed} bytes, got ${packed.length}`,
      {
        field: 'packed',
      }
    );
  }
  for (let start = 0; start < count; start += CHUNK_CODES) {
    const chunkCount = Math.min(CHUNK_CODES, count - start);
    const byteStart = (start / 8) * bits;
    visit(
      unpackBits(packed.subarray(byteStart, byteStart + packedByteLength(chunkCount, bits)), chunkCount, bits, signed),
      start
    );
  }
}

function checkBits(bits: number): void {
  if (!isValidBits(bits)) {
    throw new WhittleError('invalid-argument', `bits must be 1–8 or 16, got ${describeValue(bits)}`, { field: 'bits' });
  }
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new WhittleError('invalid-argument', `count must be a non-negative integer, got ${describeValue(count)}`, {
      field: 'count',
    });
  }
}

/** Two 4-bit codes per byte, the first in the low nibble. */
function packNibbles(codes: Uint8Array, packed: Uint8Array): void {
  const count = codes.length;
  const pairs = count >>> 1;
  for (let byte = 0, index = 0; byte < pairs; byte++, index += 2) {
    packed[byte] = codes[index]! | (codes[index + 1]! << 4);
  }
  if (count & 1) packed[pairs] = codes[count - 1]!;
}

/** 1- or 2-bit codes, whole codes per byte, the first in the lowest bits. */
function packWithinBytes(codes: Uint8Array, bits: number, packed: Uint8Array): void {
  const count = codes.length;
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
}

/** 3-, 5-, 6- and 7-bit codes, which straddle bytes: streamed through an accumulator. */
function packAcrossBytes(codes: Uint8Array, bits: number, packed: Uint8Array): void {
  const count = codes.length;
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
}
