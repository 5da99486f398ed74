/**
 * Building entropy encodings: Huffman coding of an encoding's symbol streams, and the exact
 * bytes that coding gives, computed without writing it.
 */
import { WhittleError } from '../errors.ts';
import { unpackBits } from './bit-pack.ts';
import { huffmanCodeLengths, packCodeLengths } from './huffman-code.ts';
import { huffmanEncodeSymbols, symbolFrequencies } from './huffman-stream.ts';
import { symbolStreams, withField, type SymbolStream } from './symbol-streams.ts';
import type { Encoding, EntropyEncoding, HuffmanStream } from './types.ts';

/** Which streams {@link huffmanEncoding} codes. */
export interface HuffmanOptions {
  /**
   * Field paths of the streams to code (`indices`, `layout.gaps`, `values.indices`…); default
   * every symbol stream of the encoding.
   */
  readonly fields?: readonly string[];
}

/**
 * Huffman-codes the symbol streams of `inner` (codebook indices, affine codes, CSR gaps, N:M
 * positions, bitmask bytes, in nested encodings too), each with the optimal length-limited code
 * of its own symbol frequencies. Throws `invalid-argument` when `inner` has no such stream, a
 * requested field is not one, or a stream has more than 2^15 distinct symbols.
 *
 * @example
 * ```ts
 * const pruned = sparseFromDense(kernel, { kind: 'csr', indexBits: 5 }); // values then k-means
 * const coded = huffmanEncoding(pruned);
 * decode(coded); // exactly decode(pruned)
 * ```
 */
export function huffmanEncoding(inner: Encoding, options: HuffmanOptions = {}): EntropyEncoding {
  const available = symbolStreams(inner);
  let chosen = available;
  if (options.fields !== undefined) {
    chosen = options.fields.map((field, index) => {
      const stream = available.find((candidate) => candidate.field === field);
      if (stream === undefined) {
        throw new WhittleError('invalid-argument', `${JSON.stringify(field)} is not a symbol stream of this ${inner.kind} encoding`, { field: `fields[${index}]` });
      }
      return stream;
    });
  }
  if (chosen.length === 0) throw new WhittleError('invalid-argument', `a ${inner.kind} encoding has no symbol streams to code`, { field: 'inner' });
  return codeStreams(inner, chosen);
}

/**
 * {@link huffmanEncoding} of only the streams whose coded form (table and bits) is smaller than
 * their packed form, or `inner` itself when none is (or it has no streams).
 *
 * @example
 * ```ts
 * const smaller = huffmanWhereSmaller(encoding);
 * byteLength(smaller) <= byteLength(encoding); // true
 * ```
 */
export function huffmanWhereSmaller(inner: Encoding): Encoding {
  const chosen = symbolStreams(inner).filter((stream) => codedByteLength(stream) < stream.packed.byteLength);
  return chosen.length === 0 ? inner : codeStreams(inner, chosen);
}

/**
 * The exact `byteLength` that {@link huffmanWhereSmaller} gives `inner`, from symbol counts
 * alone (no bits are written).
 *
 * @example
 * ```ts
 * huffmanWhereSmallerByteLength(encoding) === byteLength(huffmanWhereSmaller(encoding)); // true
 * ```
 */
export function huffmanWhereSmallerByteLength(inner: Encoding, innerByteLength: number): number {
  let bytes = innerByteLength;
  for (const stream of symbolStreams(inner)) bytes -= Math.max(0, stream.packed.byteLength - codedByteLength(stream));
  return bytes;
}

/** Table plus data bytes of a stream's Huffman coding. */
function codedByteLength(stream: SymbolStream): number {
  const frequencies = symbolFrequencies(streamSymbols(stream), 2 ** stream.symbolBits);
  const lengths = huffmanCodeLengths(frequencies);
  let bits = 0;
  for (let symbol = 0; symbol < lengths.length; symbol++) bits += frequencies[symbol]! * lengths[symbol]!;
  return packCodeLengths(lengths).byteLength + Math.ceil(bits / 8);
}

function codeStreams(inner: Encoding, chosen: readonly SymbolStream[]): EntropyEncoding {
  let emptied: unknown = inner;
  const streams = chosen.map((stream): HuffmanStream => {
    const { lengths, data } = huffmanEncodeSymbols(streamSymbols(stream), 2 ** stream.symbolBits);
    emptied = withField(emptied, stream.field, new Uint8Array(0));
    return { field: stream.field, symbolBits: stream.symbolBits, count: stream.count, lengths, data };
  });
  return { kind: 'entropy', coding: 'huffman', shape: [...shapeOf(inner)], inner: emptied as Encoding, streams };
}

function streamSymbols(stream: SymbolStream): ArrayLike<number> {
  return stream.symbolBits === 8 ? stream.packed.subarray(0, stream.count) : unpackBits(stream.packed, stream.count, stream.symbolBits);
}

function shapeOf(encoding: Encoding): readonly number[] {
  return encoding.kind === 'dense' ? encoding.tensor.shape : encoding.shape;
}
