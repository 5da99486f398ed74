/**
 * Huffman-coded symbol streams: symbols written as canonical codes, most significant bit first,
 * bytes filled from their top bit, the last byte's unused bits zero. Decoding looks the next bits
 * up in a table (codes up to {@link PRIMARY_TABLE_BITS} bits in one step) and falls back to the
 * canonical per-length search only for longer codes.
 */
import { WhittleError, type ErrorLocation } from '../errors.ts';
import {
  MAX_HUFFMAN_CODE_LENGTH,
  canonicalCodes,
  huffmanCodeLengths,
  packCodeLengths,
  readCanonicalCode,
  type CanonicalCode,
} from './huffman-code.ts';

/** Codes up to this many bits decode with one table look-up. */
export const PRIMARY_TABLE_BITS = 10;

/** A stream of symbols coded with one canonical Huffman code. */
export interface HuffmanCoded {
  /** The code: 4-bit lengths per symbol (see `packCodeLengths`). */
  readonly lengths: Uint8Array;
  /** The coded bits. */
  readonly data: Uint8Array;
}

/**
 * Codes `symbols` (each below `alphabetSize`) with the optimal length-limited canonical Huffman
 * code of their own frequencies.
 *
 * @example
 * ```ts
 * const { lengths, data } = huffmanEncodeSymbols(new Uint8Array([0, 0, 0, 1, 2, 0]), 4);
 * data.length; // 1 (0 0 0 10 11 0 = 8 bits)
 * ```
 */
export function huffmanEncodeSymbols(symbols: ArrayLike<number>, alphabetSize: number): HuffmanCoded {
  const frequencies = symbolFrequencies(symbols, alphabetSize);
  const lengths = huffmanCodeLengths(frequencies);
  const codes = canonicalCodes(lengths);
  let totalBits = 0;
  for (let symbol = 0; symbol < alphabetSize; symbol++) totalBits += frequencies[symbol]! * lengths[symbol]!;
  const data = new Uint8Array(Math.ceil(totalBits / 8));
  // Up to 7 pending bits plus a 15-bit code stay below 2^23: plain 32-bit integer maths.
  let pending = 0;
  let pendingBits = 0;
  let position = 0;
  for (let index = 0; index < symbols.length; index++) {
    const symbol = symbols[index]!;
    const length = lengths[symbol]!;
    pending = (pending << length) | codes[symbol]!;
    pendingBits += length;
    while (pendingBits >= 8) {
      pendingBits -= 8;
      data[position++] = pending >>> pendingBits;
      pending &= (1 << pendingBits) - 1;
    }
  }
  if (pendingBits > 0) data[position] = pending << (8 - pendingBits);
  return { lengths: packCodeLengths(lengths), data };
}

/**
 * How often each symbol below `alphabetSize` occurs. Throws `invalid-argument` for a symbol
 * outside the alphabet.
 *
 * @example
 * ```ts
 * symbolFrequencies(new Uint8Array([1, 1, 3]), 4); // Float64Array [0, 2, 0, 1]
 * ```
 */
export function symbolFrequencies(symbols: ArrayLike<number>, alphabetSize: number): Float64Array {
  const frequencies = new Float64Array(alphabetSize);
  for (let index = 0; index < symbols.length; index++) {
    const symbol = symbols[index]!;
    if (!(symbol >= 0 && symbol < alphabetSize) || (symbol | 0) !== symbol) {
      throw new WhittleError('invalid-argument', `symbol ${symbol} is outside the alphabet of ${alphabetSize}`, { field: `symbols[${index}]` });
    }
    frequencies[symbol]!++;
  }
  return frequencies;
}

/**
 * Decodes `count` symbols of an untrusted stream into `output` (fresh when omitted: a Uint8Array
 * for alphabets of at most 256 symbols, else a Uint16Array). Every failure is an
 * `invalid-encoding` WhittleError at `location.lengths`, `location.count` or `location.data`: a
 * table that is not a complete prefix code, a count the data cannot hold (checked before
 * anything is allocated), a bit pattern with no code, data that runs out, trailing bytes, or
 * non-zero padding bits.
 *
 * @example
 * ```ts
 * const coded = huffmanEncodeSymbols(symbols, 32);
 * const again = huffmanDecodeSymbols(coded, symbols.length, 32, { field: 'streams[0]' });
 * ```
 */
export function huffmanDecodeSymbols(
  coded: HuffmanCoded,
  count: number,
  alphabetSize: number,
  location: ErrorLocation,
  output?: Uint8Array | Uint16Array,
): Uint8Array | Uint16Array {
  const code = readCanonicalCode(coded.lengths, alphabetSize, at(location, 'lengths'));
  const { data } = coded;
  const availableBits = data.length * 8;
  if (code.shortest === 0) {
    if (count !== 0) fail(`${count} symbols need a code, the length table has none`, at(location, 'lengths'));
  } else if (count * code.shortest > availableBits) {
    // The bound that keeps a lying count from allocating: every symbol takes at least `shortest` bits.
    fail(`${count} symbols of at least ${code.shortest} bits each do not fit ${data.length} bytes`, at(location, 'count'));
  }
  const symbols = output ?? (alphabetSize <= 256 ? new Uint8Array(count) : new Uint16Array(count));
  if (symbols.length !== count) {
    throw new WhittleError('invalid-argument', `output holds ${symbols.length} symbols, the stream has ${count}`, { field: 'output' });
  }
  if (count === 0) {
    if (data.length !== 0) fail(`${data.length} bytes of data after the last of 0 symbols`, at(location, 'data'));
    return symbols;
  }
  const usedBits = decodeInto(code, data, symbols, location);
  if (usedBits > availableBits) fail(`the bit stream runs out: ${count} symbols need more than its ${data.length} bytes`, at(location, 'data'));
  const usedBytes = Math.ceil(usedBits / 8);
  if (usedBytes < data.length) fail(`${data.length - usedBytes} trailing bytes after the last symbol`, at(location, 'data'));
  const paddingBits = usedBytes * 8 - usedBits;
  if (paddingBits > 0 && (data[data.length - 1]! & ((1 << paddingBits) - 1)) !== 0) {
    fail('the padding bits after the last symbol must be zero', at(location, 'data'));
  }
  return symbols;
}

/**
 * The table-driven decoding loop; returns the bits the symbols used (past the data's end when
 * it ran out: the reader pads with zero bytes and the caller checks). Kept apart from the checks
 * so the hot loop stays small.
 */
function decodeInto(code: CanonicalCode, data: Uint8Array, symbols: Uint8Array | Uint16Array, location: ErrorLocation): number {
  const primaryBits = Math.min(PRIMARY_TABLE_BITS, code.longest);
  const primary = primaryTable(code, primaryBits);
  const windowBits = MAX_HUFFMAN_CODE_LENGTH;
  const primaryShift = windowBits - primaryBits;
  const length = data.length;
  const count = symbols.length;
  let buffer = 0;
  let bufferedBits = 0;
  let position = 0;
  for (let index = 0; index < count; index++) {
    while (bufferedBits < windowBits) {
      buffer = (buffer << 8) | (position < length ? data[position]! : 0);
      position++;
      bufferedBits += 8;
    }
    const window = (buffer >>> (bufferedBits - windowBits)) & 0x7fff;
    const entry = primary[window >>> primaryShift]!;
    let codeLength: number;
    if (entry !== 0) {
      codeLength = entry & 15;
      symbols[index] = entry >>> 4;
    } else {
      codeLength = longCode(code, window, primaryBits, symbols, index, location);
    }
    bufferedBits -= codeLength;
    buffer &= (1 << bufferedBits) - 1;
  }
  return position * 8 - bufferedBits;
}

/** Entry per `primaryBits`-bit prefix: symbol << 4 | length for codes that short, else 0. */
function primaryTable(code: CanonicalCode, primaryBits: number): Int32Array {
  const table = new Int32Array(1 << primaryBits);
  const codes = canonicalCodes(code.lengths);
  for (let symbol = 0; symbol < code.lengths.length; symbol++) {
    const length = code.lengths[symbol]!;
    if (length === 0 || length > primaryBits) continue;
    const start = codes[symbol]! << (primaryBits - length);
    table.fill((symbol << 4) | length, start, start + (1 << (primaryBits - length)));
  }
  return table;
}

/** The canonical search for a code longer than the primary table (or no code at all). */
function longCode(
  code: CanonicalCode,
  window: number,
  primaryBits: number,
  symbols: Uint8Array | Uint16Array,
  index: number,
  location: ErrorLocation,
): number {
  for (let length = primaryBits + 1; length <= code.longest; length++) {
    const offset = (window >>> (MAX_HUFFMAN_CODE_LENGTH - length)) - code.firstCode[length]!;
    if (offset >= 0 && offset < code.countByLength[length]!) {
      symbols[index] = code.sortedSymbols[code.firstIndex[length]! + offset]!;
      return length;
    }
  }
  return fail(`symbol ${index}: the bits match no code`, at(location, 'data'));
}

function at(location: ErrorLocation, name: string): ErrorLocation {
  return { ...location, field: location.field === undefined ? name : `${location.field}.${name}` };
}

function fail(message: string, location: ErrorLocation): never {
  throw new WhittleError('invalid-encoding', message, location);
}
