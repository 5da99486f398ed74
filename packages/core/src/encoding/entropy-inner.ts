/**
 * The inner encoding of an entropy encoding with its coded streams decoded back into packed
 * buffers: what the entropy encoding decodes through, and what listings look inside.
 */
import { WhittleError } from '../errors.ts';
import { packMaskedCodes } from './bit-pack.ts';
import { huffmanDecodeSymbols } from './huffman-stream.ts';
import { withField } from './symbol-streams.ts';
import type { Encoding, EntropyEncoding } from './types.ts';

/**
 * The inner encoding with every coded stream decoded and packed at its field again: an ordinary
 * encoding of the same values. A stream that does not decode is an `invalid-encoding`
 * WhittleError naming `streams[i]` and the part at fault.
 *
 * @example
 * ```ts
 * const coded = huffmanEncoding(codebook);
 * entropyInner(coded); // equal to codebook, buffer for buffer
 * ```
 */
export function entropyInner(encoding: EntropyEncoding): Encoding {
  let inner: unknown = encoding.inner;
  encoding.streams.forEach((stream, index) => {
    const location = { field: `streams[${index}]` };
    const symbols = huffmanDecodeSymbols(stream, stream.count, 2 ** stream.symbolBits, location);
    const restored = withField(inner, stream.field, packMaskedCodes(symbols, stream.symbolBits));
    if (restored === undefined) {
      throw new WhittleError('invalid-encoding', `the inner encoding has no field ${JSON.stringify(stream.field)}`, { field: `${location.field}.field` });
    }
    inner = restored;
  });
  return inner as Encoding;
}
