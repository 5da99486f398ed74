/**
 * Affine (uniform) encodings: value = (code - zeroPoint) * scale, or code * scale + offset, with
 * scales shared per tensor, per axis or per group along an axis. Choosing scales is the quantize
 * package's job; this file only builds, checks and decodes the result.
 */
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { forEachCodeChunk, packBits } from './bit-pack.ts';
import { HOST_IS_LITTLE_ENDIAN } from './byte-order.ts';
import { normalizeGranularity } from './granularity.ts';
import type { AffineEncoding } from './types.ts';
import { validateEncoding } from './validate.ts';

/**
 * Builds an affine encoding from already packed codes, checking every field (code buffer length,
 * scales shape for the granularity, zero points shaped like the scales). A negative granularity
 * axis counts from the end. Buffers are shared, not copied.
 *
 * @example
 * ```ts
 * const encoding = affineEncoding({
 *   shape: [4], bits: 8, signed: true, granularity: { kind: 'tensor' },
 *   codes: new Uint8Array([0, 1, 2, 255]),
 *   scales: { dtype: 'float32', shape: [], data: new Float32Array([0.5]) },
 * });
 * ```
 */
export function affineEncoding(fields: Omit<AffineEncoding, 'kind'>): AffineEncoding {
  const shape = [...fields.shape];
  const encoding: AffineEncoding = {
    kind: 'affine',
    shape,
    bits: fields.bits,
    signed: fields.signed,
    granularity: normalizeGranularity(fields.granularity, shape.length),
    codes: fields.codes,
    scales: fields.scales,
    ...(fields.zeroPoints === undefined ? {} : { zeroPoints: fields.zeroPoints }),
    ...(fields.offsets === undefined ? {} : { offsets: fields.offsets }),
  };
  return validateEncoding(encoding) as AffineEncoding;
}

/**
 * Builds an affine encoding from unpacked integer codes (row-major, one per element), packing
 * them `bits` wide. Codes outside the range of `bits` and `signed` throw `invalid-argument`.
 *
 * @example
 * ```ts
 * const encoding = affineFromCodes({
 *   shape: [2, 2], bits: 4, signed: false, granularity: { kind: 'axis', axis: 1 },
 *   codes: [0, 15, 7, 8],
 *   scales: { dtype: 'float32', shape: [2], data: new Float32Array([0.1, 0.2]) },
 *   zeroPoints: { dtype: 'uint8', shape: [2], data: new Uint8Array([8, 8]) },
 * });
 * ```
 */
export function affineFromCodes(
  fields: Omit<AffineEncoding, 'kind' | 'codes'> & { readonly codes: ArrayLike<number> }
): AffineEncoding {
  return affineEncoding({ ...fields, codes: packBits(fields.codes, fields.bits, fields.signed) });
}

/**
 * Decodes a validated affine encoding to float32 values (internal; use `decode`).
 *
 * @example
 * ```ts
 * const values = decodeAffine(affineFromCodes({ ...fields, codes: [1, 2] }));
 * ```
 */
export function decodeAffine(encoding: AffineEncoding): Float32Array {
  const { shape, granularity } = encoding;
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const scales = realValues(encoding.scales);
  const zeroPoints = encoding.zeroPoints?.data ?? new Int32Array(scales.length);
  const offsets = encoding.offsets === undefined ? undefined : realValues(encoding.offsets);
  const values = new Float32Array(size);
  // 8- and 16-bit codes are read in place; narrower widths are unpacked straight into the output
  // (exact: codes fit 17 bits) and scaled there, so a huge tensor never also holds its codes as
  // int32. The arithmetic is float64 with one rounding on the store, as tfjs's own weight decoder
  // does for the offset form.
  let codes: ArrayLike<number> | undefined = directCodes(encoding, size);
  if (codes === undefined) {
    forEachCodeChunk(encoding.codes, size, encoding.bits, encoding.signed, (chunk, start) => values.set(chunk, start));
    codes = values;
  }
  if (granularity.kind === 'tensor') {
    const scale = scales[0] ?? 1;
    if (offsets !== undefined) {
      const offset = offsets[0] ?? 0;
      for (let index = 0; index < size; index++) values[index] = codes[index]! * scale + offset;
    } else {
      const zeroPoint = zeroPoints[0] ?? 0;
      for (let index = 0; index < size; index++) values[index] = (codes[index]! - zeroPoint) * scale;
    }
    return values;
  }
  const axis = granularity.axis;
  const length = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((product, dimension) => product * dimension, 1);
  const outer = length * inner === 0 ? 0 : size / (length * inner);
  const groupSize = granularity.kind === 'group' ? granularity.size : 1;
  const groupCount = Math.ceil(length / groupSize);
  // Per axis, scales are [length]; per group they keep every other axis, hence `inner`.
  const step = granularity.kind === 'axis' ? 0 : 1;
  let index = 0;
  for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
    for (let position = 0; position < length; position++) {
      const base =
        granularity.kind === 'axis' ? position : (outerIndex * groupCount + Math.floor(position / groupSize)) * inner;
      if (offsets !== undefined) {
        for (let innerIndex = 0; innerIndex < inner; innerIndex++, index++) {
          const scaleIndex = base + step * innerIndex;
          values[index] = codes[index]! * scales[scaleIndex]! + offsets[scaleIndex]!;
        }
      } else {
        for (let innerIndex = 0; innerIndex < inner; innerIndex++, index++) {
          const scaleIndex = base + step * innerIndex;
          values[index] = (codes[index]! - zeroPoints[scaleIndex]!) * scales[scaleIndex]!;
        }
      }
    }
  }
  return values;
}

/** A typed view of 8- or 16-bit codes where their bytes allow one (no copy), else undefined. */
function directCodes(encoding: AffineEncoding, size: number): ArrayLike<number> | undefined {
  const { codes, bits, signed } = encoding;
  if (bits === 8) return signed ? new Int8Array(codes.buffer, codes.byteOffset, size) : codes.subarray(0, size);
  if (bits === 16 && HOST_IS_LITTLE_ENDIAN && codes.byteOffset % 2 === 0) {
    return signed ? new Int16Array(codes.buffer, codes.byteOffset, size) : new Uint16Array(codes.buffer, codes.byteOffset, size);
  }
  return undefined;
}

/** Scales and offsets as numbers: float64 kept exact, 16-bit floats widened. */
function realValues(tensor: HostTensor<'float64' | 'float32' | 'float16'>): Float64Array | Float32Array {
  return tensor.dtype === 'float64' ? (tensor.data as Float64Array) : toFloat32(tensor).data;
}
