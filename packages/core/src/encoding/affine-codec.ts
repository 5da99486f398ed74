/**
 * The `affine` kind: value = (code - zeroPoint) * scale, or code * scale + offset, with scales
 * shared per tensor, per axis or per group along an axis.
 */
import type { ErrorLocation } from '../errors.ts';
import { bytesPerElement, type DType } from '../tensor/dtype.ts';
import { shapeSize } from '../tensor/shape.ts';
import { packedByteLength } from './bit-pack.ts';
import { decodeAffine } from './affine-decode.ts';
import { checkNoOverlap } from './decode-destination.ts';
import { fieldText, fieldsOf } from './describe-fields.ts';
import type { EncodingCodec } from './encoding-codec.ts';
import { child, fail, readBits, readBoolean, readBytes, readShape, readTensor } from './field-checks.ts';
import { readGranularity, scalesShape } from './granularity.ts';
import type { AffineMetadata } from './metadata.ts';
import type { AffineEncoding, Granularity } from './types.ts';

const SCALE_DTYPES = ['float64', 'float32', 'float16'] as const;
const ZERO_POINT_DTYPES = ['int8', 'uint8', 'int16', 'uint16', 'int32'] as const;

/** The codec of {@link AffineEncoding}. */
export const affineCodec: EncodingCodec<AffineEncoding, AffineMetadata> = {
  kind: 'affine',
  shape: (encoding) => encoding.shape,
  byteLength: (encoding) =>
    encoding.codes.byteLength +
    encoding.scales.data.byteLength +
    (encoding.zeroPoints?.data.byteLength ?? 0) +
    (encoding.offsets?.data.byteLength ?? 0),
  decode(encoding, _nested, destination) {
    if (destination !== undefined) checkNoOverlap(destination, affineBuffers(encoding), "the encoding's codes, scales or zero points");
    return { dtype: 'float32', shape: [...encoding.shape], data: decodeAffine(encoding, destination) };
  },
  validate(record, location) {
    const { shape, size } = readShape(record.shape, child(location, 'shape'));
    readAffine(record, shape, size, location);
    return shape;
  },
  parts: (encoding, writer) => ({
    kind: 'affine',
    shape: [...encoding.shape],
    bits: encoding.bits,
    signed: encoding.signed,
    granularity: copyGranularity(encoding.granularity),
    codes: writer.buffer('codes', 'uint8', encoding.codes),
    scales: writer.tensor('scales', encoding.scales),
    ...(encoding.zeroPoints === undefined ? {} : { zeroPoints: writer.tensor('zeroPoints', encoding.zeroPoints) }),
    ...(encoding.offsets === undefined ? {} : { offsets: writer.tensor('offsets', encoding.offsets) }),
  }),
  readParts: (record, reader) => ({
    kind: 'affine',
    shape: record.shape,
    bits: record.bits,
    signed: record.signed,
    granularity: record.granularity,
    codes: reader.bytes(record.codes, 'codes'),
    scales: reader.tensor(record.scales, 'scales', SCALE_DTYPES),
    ...(record.zeroPoints === undefined ? {} : { zeroPoints: reader.tensor(record.zeroPoints, 'zeroPoints', ZERO_POINT_DTYPES) }),
    ...(record.offsets === undefined ? {} : { offsets: reader.tensor(record.offsets, 'offsets', SCALE_DTYPES) }),
  }),
  describe: (fields) =>
    `affine ${fields.signed === true ? 'int' : fields.signed === false ? 'uint' : '?'}${fieldText(fields.bits)} ${describeGranularity(fields.granularity)}`,
};

/** What sizes an affine encoding: everything but the values. */
export interface AffineSize {
  readonly shape: readonly number[];
  readonly bits: number;
  readonly granularity: Granularity;
  readonly scaleDType: 'float64' | 'float32' | 'float16';
  /** The zero points' dtype, when there are zero points. */
  readonly zeroPointDType?: 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32';
  /** The offsets' dtype, when there are offsets. */
  readonly offsetDType?: 'float64' | 'float32' | 'float16';
}

/**
 * Storage bytes of an affine encoding from its shape and settings alone (what `byteLength`
 * gives once it is built): packed codes, plus scales, zero points and offsets shaped by the
 * granularity. Expects a valid shape, bit width and a non-negative granularity axis.
 *
 * @example
 * ```ts
 * affineByteLength({ shape: [64, 32], bits: 4, granularity: { kind: 'group', axis: 0, size: 32 }, scaleDType: 'float16' });
 * // 1024 code bytes + 2 × 32 float16 scales = 1152
 * ```
 */
export function affineByteLength(size: AffineSize): number {
  const { shape, bits, granularity, scaleDType, zeroPointDType, offsetDType } = size;
  const scaleCount = shapeSize(scalesShape(shape, granularity));
  const perScale =
    bytesPerElement(scaleDType) + componentBytes(zeroPointDType) + componentBytes(offsetDType);
  return packedByteLength(shapeSize(shape), bits) + scaleCount * perScale;
}

function componentBytes(dtype: DType | undefined): number {
  return dtype === undefined ? 0 : bytesPerElement(dtype);
}

function readAffine(
  record: Readonly<Record<string, unknown>>,
  shape: readonly number[],
  size: number,
  location: ErrorLocation
): void {
  const bits = readBits(record.bits, child(location, 'bits'));
  readBoolean(record.signed, child(location, 'signed'));
  const granularity = readGranularity(record.granularity, shape, child(location, 'granularity'));
  readBytes(record.codes, packedByteLength(size, bits), child(location, 'codes'));
  const expected = scalesShape(shape, granularity);
  readTensor(record.scales, SCALE_DTYPES, expected, child(location, 'scales'));
  if (record.zeroPoints !== undefined) {
    readTensor(record.zeroPoints, ZERO_POINT_DTYPES, expected, child(location, 'zeroPoints'));
  }
  if (record.offsets !== undefined) {
    if (record.zeroPoints !== undefined) {
      fail('zero points and offsets are two forms of one thing; give one', child(location, 'offsets'));
    }
    readTensor(record.offsets, SCALE_DTYPES, expected, child(location, 'offsets'));
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

function describeGranularity(value: unknown): string {
  const granularity = fieldsOf(value);
  switch (granularity.kind) {
    case 'tensor':
      return 'per-tensor';
    case 'axis':
      return `per-axis ${fieldText(granularity.axis)}`;
    case 'group':
      return `group ${fieldText(granularity.size)}`;
    default:
      return '?';
  }
}

function affineBuffers(encoding: AffineEncoding): ArrayBufferView[] {
  const buffers: ArrayBufferView[] = [encoding.codes, encoding.scales.data];
  if (encoding.zeroPoints !== undefined) buffers.push(encoding.zeroPoints.data);
  if (encoding.offsets !== undefined) buffers.push(encoding.offsets.data);
  return buffers;
}
