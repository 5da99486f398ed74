import { builtInEncodings } from '../encoding/encoding-codecs.ts';
import type { EncodingMetadata } from '../encoding/metadata.ts';
import type { Encoding } from '../encoding/types.ts';

/**
 * A short human-readable description of how a param is stored, for listings and reports:
 * `dense float32`, `affine int4 group 32`, `codebook 4-bit`, `sparse bitmask (codebook 4-bit)`,
 * `sparse 2:4 (dense float16)`, `lowrank rank 8 (dense float32 × dense float32)`.
 *
 * An encoding and its serialised metadata (`encodingParts(encoding).metadata`, e.g. a safetensors
 * header entry) share their field names, so either gives the same words: a file can be listed
 * without reading a byte of its tensors. Metadata is untrusted until its param is read, so a
 * field that is missing or of the wrong type shows as `?` instead of throwing. Each kind's codec
 * supplies its own words.
 *
 * @example
 * ```ts
 * describeEncoding(denseEncoding(hostTensor('float32', [2]))); // 'dense float32'
 * describeEncoding(encodingParts(encoding).metadata) === describeEncoding(encoding); // true
 * ```
 */
export function describeEncoding(encoding: Encoding | EncodingMetadata | unknown): string {
  return builtInEncodings.describe(encoding);
}
