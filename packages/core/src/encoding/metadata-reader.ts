/**
 * Reads untrusted encoding metadata into an encoding-shaped object, resolving every buffer
 * reference to an aligned typed array. Only the references are checked here (name, dtype for the
 * field, exact byte length for the shape); `validateEncoding` checks the result as a whole.
 * Internal to the encoding folder.
 */
import type { ErrorLocation } from '../errors.ts';
import { DTYPES, bytesPerElement, typedArrayConstructor, type DType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { describeShape } from '../tensor/shape-limits.ts';
import { describe, shapesEqual } from '../tensor/shape.ts';
import { fromLittleEndianBytes, type TypedArrayType } from './byte-order.ts';
import { MAX_ENCODING_DEPTH, child, fail, readRecord, readShape } from './field-checks.ts';
import type { SparseLayout } from './types.ts';

/**
 * The encoding `metadata` describes, with buffers found through `lookup` and copied, not yet
 * validated as an encoding.
 *
 * @example
 * ```ts
 * const raw = readEncodingMetadata(JSON.parse(text), (name) => shard.get(name), { field: 'dense/kernel' });
 * ```
 */
export function readEncodingMetadata(
  metadata: unknown,
  lookup: (name: string) => unknown,
  location: ErrorLocation
): unknown {
  return new MetadataReader(lookup).encoding(metadata, location, 0, '');
}

const FLOAT_COMPONENT_DTYPES: readonly DType[] = ['float32', 'float16'];
const SCALE_DTYPES: readonly DType[] = ['float64', 'float32', 'float16'];
const ZERO_POINT_DTYPES: readonly DType[] = ['int8', 'uint8', 'int16', 'uint16', 'int32'];

class MetadataReader {
  constructor(private readonly lookup: (name: string) => unknown) {}

  /** `prefix` is the buffer-name prefix of a nested encoding (`values.`, `left.`), as `encodingParts` names them. */
  encoding(value: unknown, location: ErrorLocation, depth: number, prefix: string): unknown {
    if (depth > MAX_ENCODING_DEPTH) fail(`encodings nest more than ${MAX_ENCODING_DEPTH} deep`, location);
    const record = readRecord(value, location);
    const at = (name: string): ErrorLocation => child(location, name);
    switch (record.kind) {
      case 'dense': {
        const tensor = this.tensor(record.tensor, DTYPES, at('tensor'), `${prefix}tensor`);
        const { shape } = readShape(record.shape, at('shape'));
        if (!shapesEqual(shape, tensor.shape)) fail('shape differs from the tensor reference shape', at('shape'));
        return { kind: 'dense', tensor };
      }
      case 'affine':
        return {
          kind: 'affine',
          shape: record.shape,
          bits: record.bits,
          signed: record.signed,
          granularity: record.granularity,
          codes: this.bytes(record.codes, at('codes'), `${prefix}codes`),
          scales: this.tensor(record.scales, SCALE_DTYPES, at('scales'), `${prefix}scales`),
          ...(record.zeroPoints === undefined
            ? {}
            : { zeroPoints: this.tensor(record.zeroPoints, ZERO_POINT_DTYPES, at('zeroPoints'), `${prefix}zeroPoints`) }),
          ...(record.offsets === undefined ? {} : { offsets: this.tensor(record.offsets, SCALE_DTYPES, at('offsets'), `${prefix}offsets`) }),
        };
      case 'codebook':
        return {
          kind: 'codebook',
          shape: record.shape,
          bits: record.bits,
          centroids: this.tensor(record.centroids, FLOAT_COMPONENT_DTYPES, at('centroids'), `${prefix}centroids`),
          indices: this.bytes(record.indices, at('indices'), `${prefix}indices`),
        };
      case 'sparse':
        return {
          kind: 'sparse',
          shape: record.shape,
          layout: this.layout(record.layout, at('layout'), `${prefix}layout.`),
          values: this.encoding(record.values, at('values'), depth + 1, `${prefix}values.`),
        };
      case 'lowrank':
        return {
          kind: 'lowrank',
          shape: record.shape,
          left: this.encoding(record.left, at('left'), depth + 1, `${prefix}left.`),
          right: this.encoding(record.right, at('right'), depth + 1, `${prefix}right.`),
        };
      default:
        return fail(
          `kind must be dense, affine, codebook, sparse or lowrank, got ${describe(record.kind)}`,
          at('kind')
        );
    }
  }

  private layout(value: unknown, location: ErrorLocation, prefix: string): SparseLayout {
    const record = readRecord(value, location);
    const at = (name: string): ErrorLocation => child(location, name);
    switch (record.kind) {
      case 'bitmask':
        return { kind: 'bitmask', mask: this.bytes(record.mask, at('mask'), `${prefix}mask`) };
      case 'csr':
        return {
          kind: 'csr',
          indexBits: record.indexBits as number,
          gaps: this.bytes(record.gaps, at('gaps'), `${prefix}gaps`),
          rowPointers: this.vector(record.rowPointers, 'int32', Uint32Array, at('rowPointers'), `${prefix}rowPointers`),
        };
      case 'nm':
        return {
          kind: 'nm',
          n: record.n as number,
          m: record.m as number,
          axis: record.axis as number,
          positions: this.bytes(record.positions, at('positions'), `${prefix}positions`),
        };
      default:
        return fail(`layout kind must be bitmask, csr or nm, got ${describe(record.kind)}`, at('kind'));
    }
  }

  private bytes(value: unknown, location: ErrorLocation, expected: string): Uint8Array {
    return this.vector(value, 'uint8', Uint8Array, location, expected);
  }

  /** A 1-D raw buffer of a fixed dtype, read as `type`. */
  private vector<T extends ArrayBufferView>(
    value: unknown,
    dtype: DType,
    type: TypedArrayType<T>,
    location: ErrorLocation,
    expected: string
  ): T {
    const { shape, bytes } = this.reference(value, [dtype], location, expected);
    if (shape.length !== 1) fail(`expected a 1-D buffer, got rank ${shape.length}`, child(location, 'shape'));
    return fromLittleEndianBytes(bytes, type);
  }

  private tensor(value: unknown, dtypes: readonly DType[], location: ErrorLocation, expected: string): HostTensor {
    const { dtype, shape, bytes } = this.reference(value, dtypes, location, expected);
    const data = fromLittleEndianBytes(
      bytes,
      typedArrayConstructor(dtype) as unknown as TypedArrayType<ArrayBufferView>
    );
    return { dtype, shape: [...shape], data } as unknown as HostTensor;
  }

  /**
   * Checks a reference and finds its bytes; the length comes from the validated shape, never the
   * buffer. The buffer must have the name `encodingParts` gives this component (`expected`):
   * writers and readers of both formats find components by those names, so metadata naming
   * another buffer would pair a component with the wrong bytes or with none.
   */
  private reference(value: unknown, dtypes: readonly DType[], location: ErrorLocation, expected: string) {
    const record = readRecord(value, location);
    const name = record.buffer;
    if (typeof name !== 'string')
      fail(`buffer must be a buffer name, got ${describe(name)}`, child(location, 'buffer'));
    if (name !== expected) {
      fail(`buffer must be ${JSON.stringify(expected)}, the name of this component, got ${describe(name)}`, child(location, 'buffer'));
    }
    const dtype = record.dtype as DType;
    if (!dtypes.includes(dtype))
      fail(`dtype must be one of ${dtypes.join(', ')}, got ${describe(dtype)}`, child(location, 'dtype'));
    const { shape, size } = readShape(record.shape, child(location, 'shape'));
    const bytes = this.lookup(name);
    if (bytes === undefined) fail(`buffer ${describe(name)} is missing`, child(location, 'buffer'));
    if (!ArrayBuffer.isView(bytes) || !(bytes instanceof Uint8Array)) {
      fail(`buffer ${describe(name)} must be a Uint8Array, got ${describe(bytes)}`, child(location, 'buffer'));
    }
    const byteCount = size * bytesPerElement(dtype);
    if (bytes.length !== byteCount) {
      fail(
        `buffer ${describe(name)} has ${bytes.length} bytes, ${dtype} ${describeShape(shape)} needs ${byteCount}`,
        child(location, 'buffer')
      );
    }
    return { dtype, shape, bytes };
  }
}
