/**
 * GPTQ and its round-to-nearest baseline on one weight tensor: the direct functions behind the
 * `quantize.gptq` recipe kind.
 */
import { WhittleError, shapesEqual, type AffineEncoding, type CalibrationSource, type HostTensor } from '@whittle/core';
import { gptqMatrix, outputError, roundToNearestMatrix } from './gptq-matrix.ts';
import { resolveGptqOptions, type GptqOptions, type GptqRole } from './gptq-options.ts';
import { accumulateHessian, checkHessian, isHessian, type Hessian } from './hessian.ts';
import { gridEncoding } from './quantization-grid.ts';
import { weightMatrix } from './weight-matrix.ts';

/** A quantized weight and how far the layer's outputs moved. */
export interface GptqResult {
  /** Decodes to the quantized weight, in the weight's own shape and layout. */
  readonly encoding: AffineEncoding;
  /**
   * Mean squared error of the layer's outputs over the calibration inputs,
   * ‖XW − XŴ‖²_F / (samples · outputs), computed from the undamped Hessian.
   */
  readonly error: number;
}

/** What {@link rtnQuantize} returns: `error` only when it is given a Hessian to measure with. */
export interface RtnResult {
  readonly encoding: AffineEncoding;
  readonly error: number | undefined;
}

/**
 * GPTQ-quantizes a Dense (`[in, out]`) or Linear (`[out, in]`, with `role: 'linear-weight'`)
 * weight, given the layer's Hessian or its calibration inputs (`[samples, in]` tensors, or a sync
 * or async iterable of such batches, streamed into the Hessian one at a time).
 *
 * @example
 * ```ts
 * const inputs = tf.randomNormal([512, 256]); // what the layer sees on real data
 * const { encoding, error } = await gptqQuantize(kernel, inputs, { bits: 4, groupSize: 128 });
 * const weights = decode(encoding); // the GPTQ weights
 * ```
 */
export async function gptqQuantize(
  weight: HostTensor,
  calibration: Hessian | CalibrationSource,
  options: GptqOptions,
): Promise<GptqResult> {
  const resolved = resolveGptqOptions(options);
  const hessian = isHessian(calibration)
    ? calibration
    : await accumulateHessian(calibration, weightMatrix(weight, resolved.role).inputs);
  return gptqQuantizeWithHessian(weight, hessian, options);
}

/**
 * {@link gptqQuantize} from an already accumulated Hessian (see `accumulateHessian`); synchronous.
 *
 * @example
 * ```ts
 * const hessian = await accumulateHessian(batches);
 * const four = gptqQuantizeWithHessian(kernel, hessian, { bits: 4 });
 * const three = gptqQuantizeWithHessian(kernel, hessian, { bits: 3, actOrder: true });
 * ```
 */
export function gptqQuantizeWithHessian(weight: HostTensor, hessian: Hessian, options: GptqOptions): GptqResult {
  const resolved = resolveGptqOptions(options);
  const matrix = weightMatrix(weight, resolved.role);
  const h = checkHessian(hessian, matrix.inputs);
  const result = gptqMatrix(matrix.values, matrix.outputs, matrix.inputs, h, resolved);
  return {
    encoding: gridEncoding(result.grid, matrix, result.codes),
    error: outputError(matrix.values, result.quantized, matrix.outputs, matrix.inputs, h),
  };
}

/**
 * Round-to-nearest quantization with GPTQ's configuration (same bits, groups and scale rule; no
 * calibration needed): the baseline GPTQ improves on. Given a Hessian, also reports the same
 * output `error` as GPTQ, so the two compare directly.
 *
 * @example
 * ```ts
 * const baseline = rtnQuantize(kernel, { bits: 4, groupSize: 128 }, hessian);
 * const gptq = gptqQuantizeWithHessian(kernel, hessian, { bits: 4, groupSize: 128 });
 * console.log(gptq.error / baseline.error!); // below 1
 * ```
 */
export function rtnQuantize(weight: HostTensor, options: GptqOptions, hessian?: Hessian): RtnResult {
  const resolved = resolveGptqOptions(options);
  const matrix = weightMatrix(weight, resolved.role);
  const result = roundToNearestMatrix(matrix.values, matrix.outputs, matrix.inputs, resolved);
  const error =
    hessian === undefined
      ? undefined
      : outputError(matrix.values, result.quantized, matrix.outputs, matrix.inputs, checkHessian(hessian, matrix.inputs));
  return { encoding: gridEncoding(result.grid, matrix, result.codes), error };
}


/**
 * The mean squared error of a layer's outputs over its calibration inputs when `weight` is
 * replaced by `quantized` (same shape and layout): ‖XW − XŴ‖²_F / (samples · outputs), read off
 * the Hessian. Compares any quantizer with GPTQ on the same footing.
 *
 * @example
 * ```ts
 * const error = layerOutputError(kernel, decode(affineEncoding), hessian);
 * ```
 */
export function layerOutputError(
  weight: HostTensor,
  quantized: HostTensor,
  hessian: Hessian,
  role: GptqRole = 'dense-kernel',
): number {
  const original = weightMatrix(weight, role);
  const replaced = weightMatrix(quantized, role);
  if (!shapesEqual(original.shape, replaced.shape)) {
    throw new WhittleError(
      'invalid-argument',
      `quantized has shape [${replaced.shape.join(', ')}], the weight [${original.shape.join(', ')}]`,
      { field: 'quantized' },
    );
  }
  const h = checkHessian(hessian, original.inputs);
  return outputError(original.values, replaced.values, original.outputs, original.inputs, h);
}
