/**
 * Test helpers: an affine encoding's codes, and each element's scale and zero point, read the
 * slow and obvious way, so properties can check the fast quantizer element by element.
 */
import { toFloat32, unpackBits, type AffineEncoding } from '@whittle/core';
import { affineLayout } from './affine-layout.ts';

/** Per-element view of an affine encoding. */
export interface ElementParams {
  readonly codes: Int32Array;
  readonly scales: Float64Array;
  readonly zeroPoints: Float64Array;
}

/**
 * Unpacks the codes and spreads scales and zero points to every element.
 *
 * @example
 * ```ts
 * const { codes, scales } = elementParams(quantizeAffine(tensor, options));
 * ```
 */
export function elementParams(encoding: AffineEncoding): ElementParams {
  const size = encoding.shape.reduce((product, dimension) => product * dimension, 1);
  const codes = unpackBits(encoding.codes, size, encoding.bits, encoding.signed);
  const slotScales = encoding.scales.dtype === 'float64' ? encoding.scales.data : toFloat32(encoding.scales).data;
  const slotZeroPoints = encoding.zeroPoints?.data;
  const scales = new Float64Array(size);
  const zeroPoints = new Float64Array(size);
  const { outer, length, inner, groupSize, groupCount } = affineLayout(encoding.shape, encoding.granularity);
  let index = 0;
  for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
    for (let position = 0; position < length; position++) {
      for (let innerIndex = 0; innerIndex < inner; innerIndex++, index++) {
        const slot =
          encoding.granularity.kind === 'tensor'
            ? 0
            : encoding.granularity.kind === 'axis'
              ? position
              : (outerIndex * groupCount + Math.floor(position / groupSize)) * inner + innerIndex;
        scales[index] = slotScales[slot]!;
        zeroPoints[index] = slotZeroPoints?.[slot] ?? 0;
      }
    }
  }
  return { codes, scales, zeroPoints };
}
