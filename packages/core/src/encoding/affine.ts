/**
 * Affine (uniform) encodings: value = (code - zeroPoint) * scale, or code * scale + offset, with
 * scales shared per tensor, per axis or per group along an axis. Choosing scales is the quantize
 * package's job; this file builds and checks the result (`affine-codec.ts` decodes it).
 */
import { packBits } from './bit-pack.ts';
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
  const encoding: { -readonly [K in keyof AffineEncoding]: AffineEncoding[K] } = {
    kind: 'affine',
    shape,
    bits: fields.bits,
    signed: fields.signed,
    granularity: normalizeGranularity(fields.granularity, shape.length),
    codes: fields.codes,
    scales: fields.scales,
  };
  // Optional parts set one by one: an object spread per part costs microseconds on every call
  // right after a garbage collection, and encodings are built once per tensor.
  if (fields.zeroPoints !== undefined) encoding.zeroPoints = fields.zeroPoints;
  if (fields.offsets !== undefined) encoding.offsets = fields.offsets;
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
