/**
 * The `entropy` kind: an inner encoding whose symbol streams are Huffman-coded. Validation
 * decodes every stream (bounded by the bytes present), puts the packed symbols back into the
 * inner encoding and validates that as usual, then checks each stream's width and count against
 * the buffer it stands for.
 */
import type { ErrorLocation } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import { packMaskedCodes } from './bit-pack.ts';
import { fieldText } from './describe-fields.ts';
import type { EncodingCodec } from './encoding-codec.ts';
import { entropyInner } from './entropy-inner.ts';
import { child, element, fail, readBits, readInteger, readRecord, readShape } from './field-checks.ts';
import { huffmanDecodeSymbols } from './huffman-stream.ts';
import type { EntropyMetadata, HuffmanStreamMetadata } from './metadata.ts';
import { STREAM_FIELD_PATTERN, fieldAt, symbolStreams, withField } from './symbol-streams.ts';
import type { Encoding, EntropyEncoding } from './types.ts';

/** The most coded streams one entropy encoding may hold. */
export const MAX_ENTROPY_STREAMS = 256;

/** The codec of {@link EntropyEncoding}. */
export const entropyCodec: EncodingCodec<EntropyEncoding, EntropyMetadata> = {
  kind: 'entropy',
  shape: (encoding) => encoding.shape,
  byteLength: (encoding, nested) =>
    encoding.streams.reduce((total, stream) => total + stream.lengths.byteLength + stream.data.byteLength, nested.byteLength(encoding.inner)),
  // The restored buffers are fresh, so the inner codec's overlap check covers `destination`.
  decode: (encoding, nested, destination) => nested.decode(entropyInner(encoding), destination),
  validate(record, location, nested) {
    const { shape } = readShape(record.shape, child(location, 'shape'));
    if (record.coding !== 'huffman') fail(`coding must be huffman, got ${describeValue(record.coding)}`, child(location, 'coding'));
    const streams = readStreamList(record.streams, child(location, 'streams'));
    let inner: unknown = record.inner;
    const fields = new Set<string>();
    const read = streams.map((value, index) => {
      const streamLocation = element(child(location, 'streams'), index);
      const stream = readStream(value, streamLocation);
      if (fields.has(stream.field)) fail(`field ${stream.field} is coded twice`, child(streamLocation, 'field'));
      fields.add(stream.field);
      const placeholder = fieldAt(inner, stream.field);
      if (!(placeholder instanceof Uint8Array) || placeholder.length !== 0) {
        fail(`the coded buffer must be left empty here, got ${describeValue(placeholder)}`, child(location, `inner.${stream.field}`));
      }
      const symbols = huffmanDecodeSymbols(stream, stream.count, 2 ** stream.symbolBits, streamLocation);
      inner = withField(inner, stream.field, packMaskedCodes(symbols, stream.symbolBits));
      return stream;
    });
    nested.encoding(inner, 'inner', shape);
    // The inner encoding is valid now, so its own fields say what each coded buffer holds.
    const expected = new Map(symbolStreams(inner as Encoding).map((stream) => [stream.field, stream]));
    read.forEach((stream, index) => {
      const streamLocation = element(child(location, 'streams'), index);
      const buffer = expected.get(stream.field);
      if (buffer === undefined) fail(`${stream.field} is not a symbol stream of the inner encoding`, child(streamLocation, 'field'));
      if (buffer.symbolBits !== stream.symbolBits) {
        fail(`${stream.field} holds ${buffer.symbolBits}-bit symbols, not ${stream.symbolBits}`, child(streamLocation, 'symbolBits'));
      }
      if (buffer.count !== stream.count) fail(`${stream.field} holds ${buffer.count} symbols, not ${stream.count}`, child(streamLocation, 'count'));
    });
    return shape;
  },
  parts: (encoding, writer) => ({
    kind: 'entropy',
    coding: encoding.coding,
    shape: [...encoding.shape],
    inner: writer.encoding('inner', encoding.inner) as EntropyMetadata['inner'],
    streams: encoding.streams.map(
      (stream, index): HuffmanStreamMetadata => ({
        field: stream.field,
        symbolBits: stream.symbolBits,
        count: stream.count,
        lengths: writer.buffer(`streams[${index}].lengths`, 'uint8', stream.lengths),
        data: writer.buffer(`streams[${index}].data`, 'uint8', stream.data),
      }),
    ),
  }),
  readParts(record, reader) {
    const location = child(reader.location, 'streams');
    return {
      kind: 'entropy',
      coding: record.coding,
      shape: record.shape,
      inner: reader.encoding(record.inner, 'inner'),
      streams: readStreamList(record.streams, location).map((value, index) => {
        const stream = readRecord(value, element(location, index));
        return {
          field: stream.field,
          symbolBits: stream.symbolBits,
          count: stream.count,
          lengths: reader.bytes(stream.lengths, `streams[${index}].lengths`),
          data: reader.bytes(stream.data, `streams[${index}].data`),
        };
      }),
    };
  },
  describe: (fields, nested) => `entropy ${fieldText(fields.coding)} (${nested(fields.inner)})`,
};

function readStreamList(value: unknown, location: ErrorLocation): readonly unknown[] {
  if (!Array.isArray(value)) fail(`expected an array of streams, got ${describeValue(value)}`, location);
  if (value.length === 0 || value.length > MAX_ENTROPY_STREAMS) {
    fail(`expected 1 to ${MAX_ENTROPY_STREAMS} streams, got ${value.length}`, location);
  }
  return value;
}

interface ReadStream {
  readonly field: string;
  readonly symbolBits: number;
  readonly count: number;
  readonly lengths: Uint8Array;
  readonly data: Uint8Array;
}

function readStream(value: unknown, location: ErrorLocation): ReadStream {
  const record = readRecord(value, location);
  const field = record.field;
  if (typeof field !== 'string' || !STREAM_FIELD_PATTERN.test(field)) {
    fail(`field must name a packed symbol buffer (codes, indices, layout.gaps…), got ${describeValue(field)}`, child(location, 'field'));
  }
  const symbolBits = readBits(record.symbolBits, child(location, 'symbolBits'));
  const count = readInteger(record.count, child(location, 'count'), 0, Number.MAX_SAFE_INTEGER);
  return { field, symbolBits, count, lengths: readByteArray(record.lengths, child(location, 'lengths')), data: readByteArray(record.data, child(location, 'data')) };
}

function readByteArray(value: unknown, location: ErrorLocation): Uint8Array {
  if (!ArrayBuffer.isView(value) || !(value instanceof Uint8Array)) fail(`expected a Uint8Array, got ${describeValue(value)}`, location);
  return value;
}
