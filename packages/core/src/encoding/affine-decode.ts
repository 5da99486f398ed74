/**
 * Decoding affine encodings to float32. The definition, which the JS loops below compute and
 * the SIMD kernels (simd/affine-simd.ts) reproduce bit for bit on every non-NaN value: with the
 * scale (and offset) widened exactly to float64,
 *   zero-point form: value = float32((code − zeroPoint) · scale)
 *   offset form:     value = float32(code · scale + offset)
 * each operation rounded to float64 in that order, then one rounding to float32 on the store.
 * The offset form is what tfjs's `io.decodeWeights` computes for stock uint8 / uint16.
 */
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { forEachCodeChunk } from './bit-pack.ts';
import { HOST_IS_LITTLE_ENDIAN } from './byte-order.ts';
import { defaultDecodeSimd, type DecodeSimdKernel } from './simd/decode-kernel.ts';
import { decodeAffineSimd } from './simd/affine-simd.ts';
import type { AffineEncoding } from './types.ts';

/**
 * Decodes a validated affine encoding into `destination` (a Float32Array of its element count,
 * fresh when omitted): through the SIMD kernels where the engine has WebAssembly SIMD and the
 * case allows, else in JS; both give the same bits. Internal; use `decode`.
 *
 * @example
 * ```ts
 * const values = decodeAffine(affineFromCodes({ ...fields, codes: [1, 2] }));
 * decodeAffine(encoding, reused); // writes into reused
 * ```
 */
export function decodeAffine(
  encoding: AffineEncoding,
  destination: Float32Array = new Float32Array(elementCount(encoding.shape)),
  kernel: DecodeSimdKernel | null = defaultDecodeSimd(),
): Float32Array {
  if (kernel !== null && decodeAffineSimd(kernel, encoding, destination)) return destination;
  return decodeAffineJs(encoding, destination);
}

/**
 * The JS decoder: the definition above as plain loops, into `destination` (exactly the element
 * count long). Internal; the reference the SIMD kernels are tested against.
 *
 * @example
 * ```ts
 * decodeAffineJs(encoding, new Float32Array(4));
 * ```
 */
export function decodeAffineJs(encoding: AffineEncoding, values: Float32Array): Float32Array {
  const { shape, granularity } = encoding;
  const size = values.length;
  const scales = realValues(encoding.scales);
  const zeroPoints = encoding.zeroPoints?.data ?? new Int32Array(scales.length);
  const offsets = encoding.offsets === undefined ? undefined : realValues(encoding.offsets);
  // 8- and 16-bit codes are read in place; narrower widths are unpacked straight into the output
  // (exact: codes fit 17 bits) and scaled there, so a huge tensor never also holds its codes as
  // int32.
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
  const inner = elementCount(shape.slice(axis + 1));
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

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
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
