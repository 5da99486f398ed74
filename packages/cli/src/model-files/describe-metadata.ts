/**
 * How a param is stored, from its encoding's metadata alone (a safetensors header entry), in the
 * words core's `describeEncoding` uses for the encoding itself: `dense float16`,
 * `affine int4 group 32`, `sparse 2:4 (dense float16)`… So `whittle inspect` can list a file
 * without reading a byte of its tensors. The metadata is untrusted until its param is read (core
 * checks it against the bytes then), so a field that is missing or of the wrong type shows as
 * `?` instead of throwing.
 *
 * @example
 * ```ts
 * describeEncodingMetadata(encodingParts(encoding).metadata) === describeEncoding(encoding); // true
 * ```
 */
export function describeEncodingMetadata(metadata: unknown): string {
  const fields = record(metadata);
  switch (fields.kind) {
    case 'dense':
      return `dense ${text(record(fields.tensor).dtype)}`;
    case 'affine':
      return `affine ${fields.signed === true ? 'int' : fields.signed === false ? 'uint' : '?'}${text(fields.bits)} ${describeGranularity(fields.granularity)}`;
    case 'codebook':
      return `codebook ${text(fields.bits)}-bit`;
    case 'sparse':
      return `sparse ${describeLayout(fields.layout)} (${describeEncodingMetadata(fields.values)})`;
    case 'lowrank': {
      const left = record(fields.left);
      const leftShape = left.kind === 'dense' ? record(left.tensor).shape : left.shape;
      const rank = Array.isArray(leftShape) ? (leftShape[1] as unknown) : undefined;
      return `lowrank rank ${text(rank)} (${describeEncodingMetadata(fields.left)} × ${describeEncodingMetadata(fields.right)})`;
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
