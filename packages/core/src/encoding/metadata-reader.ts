/**
 * Reads untrusted encoding metadata into an encoding-shaped object, resolving every buffer
 * reference to an aligned typed array. Only the references are checked here (name, dtype for the
 * field, exact byte length for the shape); `validateEncoding` checks the result as a whole.
 * Each kind's codec reads its own fields. Internal to the encoding folder.
 */
import type { ErrorLocation } from '../errors.ts';
import { bytesPerElement, typedArrayConstructor, type DType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { describeShape } from '../tensor/shape-limits.ts';
import { describeValue } from '../tensor/shape.ts';
import { fromLittleEndianBytes, type TypedArrayType } from './byte-order.ts';
import { MAX_ENCODING_DEPTH, child, fail, readRecord, readShape } from './field-checks.ts';
import type { EncodingCodec, PartsReader } from './encoding-codec.ts';

/**
 * Reads metadata through a table of codecs: `readKind` finds the codec of a record's kind (or
 * throws naming the `kind` field), and that codec's `readParts` resolves its references here.
 *
 * @example
 * ```ts
 * const raw = new MetadataReader((name) => shard.get(name), readKind).encoding(JSON.parse(text), { field: 'dense/kernel' }, 0, '');
 * ```
 */
export class MetadataReader {
  constructor(
    private readonly lookup: (name: string) => unknown,
    private readonly readKind: (record: Readonly<Record<string, unknown>>, location: ErrorLocation) => EncodingCodec,
  ) {}

  /** `prefix` is the buffer-name prefix of a nested encoding (`values.`, `left.`), as `encodingParts` names them. */
  encoding(value: unknown, location: ErrorLocation, depth: number, prefix: string): unknown {
    if (depth > MAX_ENCODING_DEPTH) fail(`encodings nest more than ${MAX_ENCODING_DEPTH} deep`, location);
    const record = readRecord(value, location);
    const codec = this.readKind(record, location);
    const reader: PartsReader = {
      location,
      bytes: (field, fieldName) => this.bytes(field, child(location, fieldName), prefix + fieldName),
      vector: (field, fieldName, dtype, type) => this.vector(field, dtype, type, child(location, fieldName), prefix + fieldName),
      tensor: (field, fieldName, dtypes) => this.tensor(field, dtypes, child(location, fieldName), prefix + fieldName),
      encoding: (field, fieldName) => this.encoding(field, child(location, fieldName), depth + 1, `${prefix}${fieldName}.`),
    };
    return codec.readParts(record, reader);
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
      fail(`buffer must be a buffer name, got ${describeValue(name)}`, child(location, 'buffer'));
    if (name !== expected) {
      fail(`buffer must be ${JSON.stringify(expected)}, the name of this component, got ${describeValue(name)}`, child(location, 'buffer'));
    }
    const dtype = record.dtype as DType;
    if (!dtypes.includes(dtype))
      fail(`dtype must be one of ${dtypes.join(', ')}, got ${describeValue(dtype)}`, child(location, 'dtype'));
    const { shape, size } = readShape(record.shape, child(location, 'shape'));
    const bytes = this.lookup(name);
    if (bytes === undefined) fail(`buffer ${describeValue(name)} is missing`, child(location, 'buffer'));
    if (!ArrayBuffer.isView(bytes) || !(bytes instanceof Uint8Array)) {
      fail(`buffer ${describeValue(name)} must be a Uint8Array, got ${describeValue(bytes)}`, child(location, 'buffer'));
    }
    const byteCount = size * bytesPerElement(dtype);
    if (bytes.length !== byteCount) {
      fail(
        `buffer ${describeValue(name)} has ${bytes.length} bytes, ${dtype} ${describeShape(shape)} needs ${byteCount}`,
        child(location, 'buffer')
      );
    }
    return { dtype, shape, bytes };
  }
}
