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
 * field that is missing or of the wrong type shows as `?` instead of throwing.
 *
 * @example
 * ```ts
 * describeEncoding(denseEncoding(hostTensor('float32', [2]))); // 'dense float32'
 * describeEncoding(encodingParts(encoding).metadata) === describeEncoding(encoding); // true
 * ```
 */
export function describeEncoding(encoding: Encoding | EncodingMetadata | unknown): string {
  const fields = record(encoding);
  switch (fields.kind) {
    case 'dense':
      return `dense ${text(record(fields.tensor).dtype)}`;
    case 'affine':
      return `affine ${fields.signed === true ? 'int' : fields.signed === false ? 'uint' : '?'}${text(fields.bits)} ${describeGranularity(fields.granularity)}`;
    case 'codebook':
      return `codebook ${text(fields.bits)}-bit`;
    case 'sparse':
      return `sparse ${describeLayout(fields.layout)} (${describeEncoding(fields.values)})`;
    case 'lowrank': {
      const left = record(fields.left);
      const leftShape = left.kind === 'dense' ? record(left.tensor).shape : left.shape;
      const rank = Array.isArray(leftShape) ? (leftShape[1] as unknown) : undefined;
      return `lowrank rank ${text(rank)} (${describeEncoding(fields.left)} × ${describeEncoding(fields.right)})`;
    }
    default:
      return `${text(fields.kind)} (unknown encoding)`;
  }
}

function describeGranularity(value: unknown): string {
  const granularity = record(value);
  switch (granularity.kind) {
    case 'tensor':
      return 'per-tensor';
    case 'axis':
      return `per-axis ${text(granularity.axis)}`;
    case 'group':
      return `group ${text(granularity.size)}`;
    default:
      return '?';
  }
}

function describeLayout(value: unknown): string {
  const layout = record(value);
  switch (layout.kind) {
    case 'bitmask':
      return 'bitmask';
    case 'csr':
      return `csr ${text(layout.indexBits)}-bit`;
    case 'nm':
      return `${text(layout.n)}:${text(layout.m)}`;
    default:
      return '?';
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '?';
}
