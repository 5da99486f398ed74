/**
 * Splitting an encoding into JSON metadata plus named component buffers, and assembling it back
 * from untrusted metadata and bytes.
 */
import { WhittleError, type ErrorLocation } from '../errors.ts';
import type { DType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { describe } from '../tensor/shape.ts';
import { littleEndianBytes } from './byte-order.ts';
import type {
  BufferReference,
  EncodingBuffer,
  EncodingMetadata,
  EncodingParts,
  SparseLayoutMetadata,
} from './metadata.ts';
import { readEncodingMetadata } from './metadata-reader.ts';
import type { Encoding, Granularity } from './types.ts';
import { validateEncoding } from './validate.ts';

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
  const buffers: EncodingBuffer[] = [];
  const metadata = describeEncoding(encoding, '', buffers);
  return { metadata, buffers };
}

function describeEncoding(encoding: Encoding, prefix: string, buffers: EncodingBuffer[]): EncodingMetadata {
  const reference = (
    name: string,
    dtype: DType,
    data: ArrayBufferView & { BYTES_PER_ELEMENT: number },
    shape?: readonly number[]
  ): BufferReference => {
    const buffer = {
      name: prefix + name,
      dtype,
      shape: [...(shape ?? [data.byteLength / data.BYTES_PER_ELEMENT])],
      bytes: littleEndianBytes(data),
    };
    buffers.push(buffer);
    return { buffer: buffer.name, dtype, shape: [...buffer.shape] };
  };
  const tensor = (name: string, value: HostTensor): BufferReference =>
    reference(name, value.dtype, value.data, value.shape);
  switch (encoding.kind) {
    case 'dense':
      return { kind: 'dense', shape: [...encoding.tensor.shape], tensor: tensor('tensor', encoding.tensor) };
    case 'affine':
      return {
        kind: 'affine',
        shape: [...encoding.shape],
        bits: encoding.bits,
        signed: encoding.signed,
        granularity: copyGranularity(encoding.granularity),
        codes: reference('codes', 'uint8', encoding.codes),
        scales: tensor('scales', encoding.scales),
        ...(encoding.zeroPoints === undefined ? {} : { zeroPoints: tensor('zeroPoints', encoding.zeroPoints) }),
        ...(encoding.offsets === undefined ? {} : { offsets: tensor('offsets', encoding.offsets) }),
      };
    case 'codebook':
      return {
        kind: 'codebook',
        shape: [...encoding.shape],
        bits: encoding.bits,
        centroids: tensor('centroids', encoding.centroids),
        indices: reference('indices', 'uint8', encoding.indices),
      };
    case 'sparse': {
      const layout = encoding.layout;
      let layoutMetadata: SparseLayoutMetadata;
      if (layout.kind === 'bitmask') {
        layoutMetadata = { kind: 'bitmask', mask: reference('layout.mask', 'uint8', layout.mask) };
      } else if (layout.kind === 'csr') {
        const gaps = reference('layout.gaps', 'uint8', layout.gaps);
        // DType has no uint32; int32 is the dtype every container understands, the bytes are the same.
        const rowPointers = reference('layout.rowPointers', 'int32', layout.rowPointers);
        layoutMetadata = { kind: 'csr', indexBits: layout.indexBits, gaps, rowPointers };
      } else {
        const positions = reference('layout.positions', 'uint8', layout.positions);
        layoutMetadata = { kind: 'nm', n: layout.n, m: layout.m, axis: layout.axis, positions };
      }
      const values = describeEncoding(encoding.values, `${prefix}values.`, buffers);
      return { kind: 'sparse', shape: [...encoding.shape], layout: layoutMetadata, values };
    }
    case 'lowrank': {
      const left = describeEncoding(encoding.left, `${prefix}left.`, buffers);
      const right = describeEncoding(encoding.right, `${prefix}right.`, buffers);
      return { kind: 'lowrank', shape: [...encoding.shape], left, right };
    }
  }
}

function copyGranularity(granularity: Granularity): Granularity {
  switch (granularity.kind) {
    case 'tensor':
      return { kind: 'tensor' };
    case 'axis':
      return { kind: 'axis', axis: granularity.axis };
    case 'group':
      return { kind: 'group', axis: granularity.axis, size: granularity.size };
  }
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
  if (typeof buffers !== 'object' || buffers === null) {
    throw new WhittleError(
      'invalid-argument',
      `buffers must be a Map or a record of Uint8Arrays, got ${describe(buffers)}`,
      {
        ...location,
        field: 'buffers',
      }
    );
  }
  const lookup = (name: string): unknown => {
    if (typeof (buffers as ReadonlyMap<string, Uint8Array>).get === 'function' && !Object.hasOwn(buffers, 'get')) {
      return (buffers as ReadonlyMap<string, Uint8Array>).get(name);
    }
    // Own properties only, so names such as `__proto__` or `toString` never reach Object.prototype.
    return Object.hasOwn(buffers, name) ? (buffers as Record<string, unknown>)[name] : undefined;
  };
  return validateEncoding(readEncodingMetadata(metadata, lookup, location), location);
}
