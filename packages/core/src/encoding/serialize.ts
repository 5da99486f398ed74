/**
 * Splitting an encoding into JSON metadata plus named component buffers, and assembling it back
 * from untrusted metadata and bytes.
 */
import type { ErrorLocation } from '../errors.ts';
import { builtInEncodings } from './encoding-codecs.ts';
import type { EncodingParts } from './metadata.ts';
import type { Encoding } from './types.ts';

/**
 * Splits an encoding into JSON-serialisable metadata and one little-endian buffer per component
 * tensor, named by its field path (`codes`, `scales`, `values.codes`, `left.scales`…). The
 * buffers' byte lengths sum to `byteLength(encoding)`; on little-endian hosts they are views of
 * the encoding's own data, not copies.
 *
 * @example
 * ```ts
 * const { metadata, buffers } = encodingParts(encoding);
 * const json = JSON.stringify(metadata);
 * ```
 */
export function encodingParts(encoding: Encoding): EncodingParts {
  return builtInEncodings.parts(encoding);
}

/**
 * Rebuilds an encoding from untrusted metadata (e.g. parsed JSON) and named buffers, the
 * inverse of {@link encodingParts}. Every reference is checked (buffer present, dtype allowed
 * for its field, exact byte length for its shape) before anything is copied; bytes are copied
 * into aligned typed arrays, and the result is checked with `validateEncoding`. Throws an
 * `invalid-encoding` WhittleError naming the field at fault.
 *
 * @example
 * ```ts
 * const { metadata, buffers } = encodingParts(encoding);
 * const bytes = new Map(buffers.map((buffer) => [buffer.name, buffer.bytes]));
 * const again = assembleEncoding(JSON.parse(JSON.stringify(metadata)), bytes);
 * ```
 */
export function assembleEncoding(
  metadata: unknown,
  buffers: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
  location: ErrorLocation = {}
): Encoding {
  return builtInEncodings.assemble(metadata, buffers, location);
}
