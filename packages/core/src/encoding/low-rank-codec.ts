/**
 * The `lowrank` kind: a tensor stored as the product of two factor encodings, left [rows, rank]
 * times right [rank, columns] over the tensor's matrix view.
 */
import { toFloat32 } from '../tensor/host-tensor.ts';
import { fieldText, fieldsOf } from './describe-fields.ts';
import type { EncodingCodec } from './encoding-codec.ts';
import { child, fail, readShape } from './field-checks.ts';
import { matrixDimensions } from './matrix-shape.ts';
import type { LowRankMetadata } from './metadata.ts';
import type { LowRankEncoding } from './types.ts';

/** The codec of {@link LowRankEncoding}. */
export const lowRankCodec: EncodingCodec<LowRankEncoding, LowRankMetadata> = {
  kind: 'lowrank',
  shape: (encoding) => encoding.shape,
  byteLength: (encoding, nested) => nested.byteLength(encoding.left) + nested.byteLength(encoding.right),
  decode(encoding, nested) {
    const { rows, columns } = matrixDimensions(encoding.shape);
    const left = nested.decode(encoding.left);
    const rank = left.shape[1] ?? 0;
    const right = toFloat32(nested.decode(encoding.right)).data;
    const product = multiplyFactors(toFloat32(left).data, right, rows, rank, columns);
    return { dtype: 'float32', shape: [...encoding.shape], data: product };
  },
  validate(record, location, nested) {
    const { shape } = readShape(record.shape, child(location, 'shape'));
    const { rows, columns } = matrixDimensions(shape);
    const left = nested.encoding(record.left, 'left');
    if (left.length !== 2 || left[0] !== rows) {
      fail(`left factor must be [${rows}, rank], got [${left.join(', ')}]`, child(location, 'left.shape'));
    }
    nested.encoding(record.right, 'right', [left[1]!, columns]);
    return shape;
  },
  parts: (encoding, writer) => ({
    kind: 'lowrank',
    shape: [...encoding.shape],
    left: writer.encoding('left', encoding.left) as LowRankMetadata['left'],
    right: writer.encoding('right', encoding.right) as LowRankMetadata['right'],
  }),
  readParts: (record, reader) => ({
    kind: 'lowrank',
    shape: record.shape,
    left: reader.encoding(record.left, 'left'),
    right: reader.encoding(record.right, 'right'),
  }),
  describe(fields, nested) {
    const left = fieldsOf(fields.left);
    // A dense factor keeps its shape on its tensor; every other kind (and all metadata) on itself.
    const leftShape = left.kind === 'dense' ? fieldsOf(left.tensor).shape : left.shape;
    const rank = Array.isArray(leftShape) ? (leftShape[1] as unknown) : undefined;
    return `lowrank rank ${fieldText(rank)} (${nested(fields.left)} × ${nested(fields.right)})`;
  },
};

/**
 * left [rows, rank] × right [rank, columns] in row-major float32 (internal; use `decode`).
 * The i-k-j loop order streams both `right` and the output row, and each output row is summed in
 * float64 so the result does not depend on how the work is split.
 *
 * @example
 * ```ts
 * multiplyFactors(new Float32Array([1, 2]), new Float32Array([3, 4]), 2, 1, 2); // [3, 4, 6, 8]
 * ```
 */
export function multiplyFactors(
  left: Float32Array,
  right: Float32Array,
  rows: number,
  rank: number,
  columns: number
): Float32Array {
  const product = new Float32Array(rows * columns);
  const accumulator = new Float64Array(columns);
  for (let row = 0; row < rows; row++) {
    accumulator.fill(0);
    for (let inner = 0; inner < rank; inner++) {
      const weight = left[row * rank + inner]!;
      const offset = inner * columns;
      for (let column = 0; column < columns; column++) accumulator[column]! += weight * right[offset + column]!;
    }
    product.set(accumulator, row * columns);
  }
  return product;
}
