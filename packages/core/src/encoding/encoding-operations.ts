/**
 * The generic operations over a table of codecs: each finds the codec of an encoding's `kind`
 * and calls it, handing nested encodings back through the same table. `encoding-codecs.ts`
 * builds them over the built-in table; a test can build them over a table with one more kind.
 */
import { WhittleError, type ErrorLocation } from '../errors.ts';
import type { DType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { toFloat32 } from '../tensor/host-tensor.ts';
import { describeValue as describeValue, shapeSize, shapesEqual } from '../tensor/shape.ts';
import { checkDestination } from './decode-destination.ts';
import { littleEndianBytes } from './byte-order.ts';
import { fieldText, fieldsOf } from './describe-fields.ts';
import type { EncodingCodec, EncodingCodecTable, NestedEncodings, PartsWriter } from './encoding-codec.ts';
import { MAX_ENCODING_DEPTH, child, fail, readRecord } from './field-checks.ts';
import type { EncodingBuffer, EncodingMetadata, EncodingParts } from './metadata.ts';
import { MetadataReader } from './metadata-reader.ts';
import type { Encoding } from './types.ts';

/** Every generic encoding function, over one table of codecs. */
export interface EncodingOperations extends NestedEncodings {
  /** The kinds of the table, in its order. */
  readonly kinds: readonly string[];
  validate(value: unknown, location?: ErrorLocation): Encoding;
  parts(encoding: Encoding): EncodingParts;
  /** The encoding-shaped object metadata describes, buffers found through `lookup`, not validated. */
  readMetadata(metadata: unknown, lookup: (name: string) => unknown, location: ErrorLocation): unknown;
  assemble(
    metadata: unknown,
    buffers: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
    location?: ErrorLocation,
  ): Encoding;
  describe(value: unknown): string;
}

/**
 * The generic encoding functions over `codecs`.
 *
 * @example
 * ```ts
 * const operations = encodingOperations({ ...ENCODING_CODECS, toy: toyCodec });
 * operations.decode(toyEncoding);
 * ```
 */
export function encodingOperations(codecs: EncodingCodecTable): EncodingOperations {
  const kinds = Object.freeze(Object.keys(codecs));
  const kindList = kinds.length < 2 ? kinds.join('') : `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`;
  // Own properties only: a kind such as `constructor` or `__proto__` must never reach Object.prototype.
  const codecOf = (kind: unknown): EncodingCodec | undefined =>
    typeof kind === 'string' && Object.hasOwn(codecs, kind) ? codecs[kind] : undefined;
  const known = (encoding: Encoding): EncodingCodec => {
    const codec = codecOf(encoding.kind);
    if (codec === undefined) throw unknownKind(encoding.kind, kindList, {});
    return codec;
  };

  const operations: EncodingOperations = {
    kinds,
    decode(encoding, destination) {
      const codec = known(encoding);
      if (destination === undefined) return codec.decode(encoding as never, operations);
      const shape = codec.shape(encoding as never);
      const values = checkDestination(destination, shapeSize(shape));
      const decoded = codec.decode(encoding as never, operations, values);
      if (decoded.data !== values) {
        // A codec that decodes into its own array: convert and copy once it has finished reading.
        values.set(toFloat32(decoded).data);
      }
      return { dtype: 'float32', shape: [...shape], data: values };
    },
    byteLength: (encoding) => known(encoding).byteLength(encoding as never, operations),
    shape: (encoding) => known(encoding).shape(encoding as never),
    validate: (value, location = {}) => readEncoding(value, location, 0).encoding,
    parts(encoding) {
      const buffers: EncodingBuffer[] = [];
      return { metadata: writeParts(encoding, '', buffers), buffers };
    },
    readMetadata: (metadata, lookup, location) => new MetadataReader(lookup, readKind).encoding(metadata, location, 0, ''),
    assemble(metadata, buffers, location = {}) {
      if (typeof buffers !== 'object' || buffers === null) {
        throw new WhittleError('invalid-argument', `buffers must be a Map or a record of Uint8Arrays, got ${describeValue(buffers)}`, {
          ...location,
          field: 'buffers',
        });
      }
      const lookup = (name: string): unknown => {
        if (typeof (buffers as ReadonlyMap<string, Uint8Array>).get === 'function' && !Object.hasOwn(buffers, 'get')) {
          return (buffers as ReadonlyMap<string, Uint8Array>).get(name);
        }
        // Own properties only, so names such as `__proto__` or `toString` never reach Object.prototype.
        return Object.hasOwn(buffers, name) ? (buffers as Record<string, unknown>)[name] : undefined;
      };
      return operations.validate(operations.readMetadata(metadata, lookup, location), location);
    },
    describe: (value) => describeFields(value),
  };

  function readKind(record: Readonly<Record<string, unknown>>, location: ErrorLocation): EncodingCodec {
    const codec = codecOf(record.kind);
    if (codec === undefined) throw unknownKind(record.kind, kindList, child(location, 'kind'));
    return codec;
  }

  function readEncoding(value: unknown, location: ErrorLocation, depth: number): { encoding: Encoding; shape: readonly number[] } {
    if (depth > MAX_ENCODING_DEPTH) fail(`encodings nest more than ${MAX_ENCODING_DEPTH} deep`, location);
    const record = readRecord(value, location);
    const shape = readKind(record, location).validate(record, location, {
      encoding(nestedValue, field, expectedShape) {
        const nestedLocation = child(location, field);
        const nested = readEncoding(nestedValue, nestedLocation, depth + 1);
        if (expectedShape !== undefined && !shapesEqual(nested.shape, expectedShape)) {
          fail(`expected shape [${expectedShape.join(', ')}], got [${nested.shape.join(', ')}]`, child(nestedLocation, 'shape'));
        }
        return nested.shape;
      },
    });
    return { encoding: record as unknown as Encoding, shape };
  }

  function writeParts(encoding: Encoding, prefix: string, buffers: EncodingBuffer[]): EncodingMetadata {
    const buffer: PartsWriter['buffer'] = (field, dtype, data, shape) => {
      const written = {
        name: prefix + field,
        dtype,
        shape: [...(shape ?? [data.byteLength / data.BYTES_PER_ELEMENT])],
        bytes: littleEndianBytes(data),
      };
      buffers.push(written);
      return { buffer: written.name, dtype, shape: [...written.shape] };
    };
    const writer: PartsWriter = {
      buffer,
      tensor: (field, tensor: HostTensor) => buffer(field, tensor.dtype as DType, tensor.data, tensor.shape),
      encoding: (field, nested) => writeParts(nested, `${prefix}${field}.`, buffers),
    };
    return known(encoding).parts(encoding as never, writer) as EncodingMetadata;
  }

  function describeFields(value: unknown): string {
    const fields = fieldsOf(value);
    const codec = codecOf(fields.kind);
    return codec === undefined ? `${fieldText(fields.kind)} (unknown encoding)` : codec.describe(fields, describeFields);
  }

  return operations;
}

function unknownKind(kind: unknown, kindList: string, location: ErrorLocation): WhittleError {
  return new WhittleError('invalid-encoding', `kind must be ${kindList}, got ${describeValue(kind)}`, location);
}
