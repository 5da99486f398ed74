/**
 * The `sparse` kind: a layout (bitmask, relative-index CSR, flat relative indices or N:M) saying where the stored
 * values sit, and the values themselves as a 1-D encoding of any kind.
 */
import { toFloat32 } from '../tensor/host-tensor.ts';
import { describeValue } from '../tensor/shape.ts';
import { fieldText, fieldsOf } from './describe-fields.ts';
import { checkNoOverlap } from './decode-destination.ts';
import type { EncodingCodec, PartsReader, PartsWriter } from './encoding-codec.ts';
import { child, fail, readRecord, readShape } from './field-checks.ts';
import type { SparseLayoutMetadata, SparseMetadata } from './metadata.ts';
import { readSparseLayout, scatterSparse } from './sparse-layout.ts';
import type { SparseEncoding, SparseLayout } from './types.ts';

/** The codec of {@link SparseEncoding}. */
export const sparseCodec: EncodingCodec<SparseEncoding, SparseMetadata> = {
  kind: 'sparse',
  shape: (encoding) => encoding.shape,
  byteLength: (encoding, nested) => layoutByteLength(encoding.layout) + nested.byteLength(encoding.values),
  decode(encoding, nested, destination) {
    const values = toFloat32(nested.decode(encoding.values)).data;
    // Dense float32 values decode to their own bytes: the scatter must not write over them or the layout.
    if (destination !== undefined) checkNoOverlap(destination, [values, ...layoutBuffers(encoding.layout)], "the encoding's values or layout");
    return { dtype: 'float32', shape: [...encoding.shape], data: scatterSparse(encoding.shape, encoding.layout, values, destination) };
  },
  validate(record, location, nested) {
    const { shape, size } = readShape(record.shape, child(location, 'shape'));
    const { entryCount } = readSparseLayout(record.layout, shape, size, child(location, 'layout'));
    nested.encoding(record.values, 'values', [entryCount]);
    return shape;
  },
  parts: (encoding, writer) => ({
    kind: 'sparse',
    shape: [...encoding.shape],
    layout: layoutParts(encoding.layout, writer),
    values: writer.encoding('values', encoding.values) as SparseMetadata['values'],
  }),
  readParts: (record, reader) => ({
    kind: 'sparse',
    shape: record.shape,
    layout: readLayoutParts(record.layout, reader),
    values: reader.encoding(record.values, 'values'),
  }),
  describe: (fields, nested) => `sparse ${describeLayout(fields.layout)} (${nested(fields.values)})`,
};

function layoutByteLength(layout: SparseLayout): number {
  return layoutBuffers(layout).reduce((total, buffer) => total + buffer.byteLength, 0);
}

function layoutBuffers(layout: SparseLayout): ArrayBufferView[] {
  switch (layout.kind) {
    case 'bitmask':
      return [layout.mask];
    case 'csr':
      return [layout.gaps, layout.rowPointers];
    case 'relative':
      return [layout.gaps];
    case 'nm':
      return [layout.positions];
  }
}

function layoutParts(layout: SparseLayout, writer: PartsWriter): SparseLayoutMetadata {
  switch (layout.kind) {
    case 'bitmask':
      return { kind: 'bitmask', mask: writer.buffer('layout.mask', 'uint8', layout.mask) };
    case 'csr': {
      const gaps = writer.buffer('layout.gaps', 'uint8', layout.gaps);
      // DType has no uint32; int32 is the dtype every container understands, the bytes are the same.
      const rowPointers = writer.buffer('layout.rowPointers', 'int32', layout.rowPointers);
      return { kind: 'csr', indexBits: layout.indexBits, gaps, rowPointers };
    }
    case 'relative':
      return { kind: 'relative', indexBits: layout.indexBits, count: layout.count, gaps: writer.buffer('layout.gaps', 'uint8', layout.gaps) };
    case 'nm': {
      const positions = writer.buffer('layout.positions', 'uint8', layout.positions);
      return { kind: 'nm', n: layout.n, m: layout.m, axis: layout.axis, positions };
    }
  }
}

function readLayoutParts(value: unknown, reader: PartsReader): SparseLayout {
  const location = child(reader.location, 'layout');
  const record = readRecord(value, location);
  switch (record.kind) {
    case 'bitmask':
      return { kind: 'bitmask', mask: reader.bytes(record.mask, 'layout.mask') };
    case 'csr':
      return {
        kind: 'csr',
        indexBits: record.indexBits as number,
        gaps: reader.bytes(record.gaps, 'layout.gaps'),
        rowPointers: reader.vector(record.rowPointers, 'layout.rowPointers', 'int32', Uint32Array),
      };
    case 'relative':
      return {
        kind: 'relative',
        indexBits: record.indexBits as number,
        count: record.count as number,
        gaps: reader.bytes(record.gaps, 'layout.gaps'),
      };
    case 'nm':
      return {
        kind: 'nm',
        n: record.n as number,
        m: record.m as number,
        axis: record.axis as number,
        positions: reader.bytes(record.positions, 'layout.positions'),
      };
    default:
      return fail(`layout kind must be bitmask, csr, relative or nm, got ${describeValue(record.kind)}`, child(location, 'kind'));
  }
}

function describeLayout(value: unknown): string {
  const layout = fieldsOf(value);
  switch (layout.kind) {
    case 'bitmask':
      return 'bitmask';
    case 'csr':
      return `csr ${fieldText(layout.indexBits)}-bit`;
    case 'relative':
      return `relative ${fieldText(layout.indexBits)}-bit`;
    case 'nm':
      return `${fieldText(layout.n)}:${fieldText(layout.m)}`;
    default:
      return '?';
  }
}
