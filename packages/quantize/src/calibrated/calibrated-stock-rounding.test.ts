import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, useBackend, type AffineEncoding, type HostTensor } from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { accumulateHessian } from '../gptq/hessian.ts';
import { correlatedInputs, normalMatrix } from '../gptq/test-layers.ts';
import { quantizeTfjsStockInRange } from '../primitives/uint8-range.ts';
import { quantizeTfjsStockCalibrated } from './calibrated-stock-rounding.ts';
import { createKernelHessians } from './kernel-hessians.ts';
import { denseMatrices, depthwiseMatrices } from './kernel-matrices.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

/** What stock tfjs makes of the bytes: code · scale + min, rounded once to float32 (its decoder, written out). */
function plainDequantize(encoding: AffineEncoding): Float32Array {
  const scale = encoding.scales.data[0]!;
  const min = encoding.offsets!.data[0]!;
  return Float32Array.from(encoding.codes, (code) => code * scale + min);
}

/** ‖X·K − X·K̂‖² for a Dense kernel `[in, out]` and inputs `[samples, in]`, summed in float64. */
function denseOutputSquaredError(inputs: HostTensor, kernel: ArrayLike<number>, decoded: ArrayLike<number>, outputs: number): number {
  const [samples, width] = inputs.shape as [number, number];
  let total = 0;
  for (let sample = 0; sample < samples; sample++) {
    for (let output = 0; output < outputs; output++) {
      let difference = 0;
      for (let input = 0; input < width; input++) difference += inputs.data[sample * width + input]! * (kernel[input * outputs + output]! - decoded[input * outputs + output]!);
      total += difference * difference;
    }
  }
  return total;
}

/** Σ (op(x, K) − op(x, K̂))² with the stock tfjs op itself as the layer. */
function opSquaredError(op: (kernel: tf.Tensor4D) => tf.Tensor, shape: readonly number[], kernel: Float32Array, decoded: Float32Array): number {
  return tf.tidy(() => {
    const difference = tf.sub(op(tf.tensor4d(kernel, shape as [number, number, number, number])), op(tf.tensor4d(decoded, shape as [number, number, number, number])));
    return tf.sum(tf.square(difference)).dataSync()[0]!;
  });
}

describe('quantizeTfjsStockCalibrated', () => {
  it('on random Dense layers: the stock grid unchanged, output error on the calibration inputs at most the nearest codes’, zeros kept', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 24 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom('minmax' as const, 'mse' as const),
        fc.boolean(),
        async (inputs, outputs, samples, seed, range, pruned) => {
          const kernel = normalMatrix(inputs, outputs, seed, 0.1);
          if (pruned) for (let index = 0; index < kernel.data.length; index += 3) kernel.data[index] = 0;
          const x = correlatedInputs(samples, inputs, seed + 7);
          const hessian = await accumulateHessian(x);
          const { encoding } = quantizeTfjsStockCalibrated(kernel, range, denseMatrices(kernel.shape), [hessian]);
          const nearest = quantizeTfjsStockInRange(kernel, 'uint8', range);
          expect(encoding.scales.data).toStrictEqual(nearest.scales.data);
          expect(encoding.offsets!.data).toStrictEqual(nearest.offsets!.data);
          expect(encoding.codes.length).toBe(kernel.data.length);
          const decoded = plainDequantize(encoding);
          const calibratedError = denseOutputSquaredError(x, kernel.data, decoded, outputs);
          const nearestError = denseOutputSquaredError(x, kernel.data, plainDequantize(nearest), outputs);
          // The Hessian is summed in float32 by tfjs; the oracle in float64 straight from X.
          expect(calibratedError).toBeLessThanOrEqual(nearestError * (1 + 1e-4) + 1e-12);
          kernel.data.forEach((value, index) => {
            if (value === 0 && nearest.offsets!.data[0]! <= 0) expect(decoded[index]).toBe(0);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('moves a Dense layer’s outputs on its calibration inputs far less than nearest rounding', async () => {
    const kernel = normalMatrix(64, 16, 3, 0.05);
    const x = correlatedInputs(512, 64, 4);
    const { encoding, error, nearestError } = quantizeTfjsStockCalibrated(kernel, 'minmax', denseMatrices(kernel.shape), [await accumulateHessian(x)]);
    const nearest = quantizeTfjsStockInRange(kernel, 'uint8', 'minmax');
    const calibratedError = denseOutputSquaredError(x, kernel.data, plainDequantize(encoding), 16);
    const baseline = denseOutputSquaredError(x, kernel.data, plainDequantize(nearest), 16);
    expect(calibratedError).toBeLessThan(0.6 * baseline);
    // The reported errors are H's view of the same: (2/n)·‖XΔ‖² / 2.
    expect(error / nearestError).toBeCloseTo(calibratedError / baseline, 3);
  });

  it('a Conv2D layer (im2col Hessian) and a depthwise one (per channel), measured by stock tfjs ops', async () => {
    const input = tf.tensor4d(correlatedInputs(2 * 7 * 7, 4, 11).data, [2, 7, 7, 4]);
    const window = { kernel: [3, 3] as const, strides: [1, 1] as const, dilations: [1, 1] as const, padding: 'same' as const };

    const convShape = [3, 3, 4, 6];
    const conv = hostTensor('float32', convShape, normalMatrix(36, 6, 12, 0.2).data);
    const convHessians = createKernelHessians({ kind: 'conv2d', ...window }, convShape);
    await convHessians.add(input);
    const convResult = quantizeTfjsStockCalibrated(conv, 'minmax', denseMatrices(convShape), convHessians.result());
    const convOp = (kernel: tf.Tensor4D) => tf.conv2d(input, kernel, 1, 'same');
    const convCalibrated = opSquaredError(convOp, convShape, conv.data, plainDequantize(convResult.encoding));
    const convNearest = opSquaredError(convOp, convShape, conv.data, plainDequantize(quantizeTfjsStockInRange(conv, 'uint8', 'minmax')));
    expect(convCalibrated).toBeLessThan(convNearest);

    const depthwiseShape = [3, 3, 4, 2];
    const depthwise = hostTensor('float32', depthwiseShape, normalMatrix(36, 2, 13, 0.3).data);
    const depthwiseHessians = createKernelHessians({ kind: 'depthwise', ...window }, depthwiseShape);
    await depthwiseHessians.add(input);
    const hessians = depthwiseHessians.result();
    expect(hessians.map((hessian) => hessian.matrix.shape)).toEqual([[9, 9], [9, 9], [9, 9], [9, 9]]);
    const depthwiseResult = quantizeTfjsStockCalibrated(depthwise, 'minmax', depthwiseMatrices(depthwiseShape), hessians);
    const depthwiseOp = (kernel: tf.Tensor4D) => tf.depthwiseConv2d(input, kernel, 1, 'same');
    const depthwiseCalibrated = opSquaredError(depthwiseOp, depthwiseShape, depthwise.data, plainDequantize(depthwiseResult.encoding));
    const depthwiseNearest = opSquaredError(depthwiseOp, depthwiseShape, depthwise.data, plainDequantize(quantizeTfjsStockInRange(depthwise, 'uint8', 'minmax')));
    expect(depthwiseCalibrated).toBeLessThanOrEqual(depthwiseNearest * (1 + 1e-4));
    tf.dispose(input);
  });

  it('keeps the nearest code of inputs the calibration never exercised, and a constant tensor as stock codes it', async () => {
    const kernel = normalMatrix(6, 3, 21, 0.1);
    const x = correlatedInputs(32, 6, 22);
    // Input 2 never fires.
    for (let sample = 0; sample < 32; sample++) x.data[sample * 6 + 2] = 0;
    const { encoding } = quantizeTfjsStockCalibrated(kernel, 'minmax', denseMatrices(kernel.shape), [await accumulateHessian(x)]);
    const nearest = quantizeTfjsStockInRange(kernel, 'uint8', 'minmax');
    for (let output = 0; output < 3; output++) expect(encoding.codes[2 * 3 + output]).toBe(nearest.codes[2 * 3 + output]);

    const constant = hostTensor('float32', [4, 2], new Float32Array(8).fill(0.25));
    const constantResult = quantizeTfjsStockCalibrated(constant, 'minmax', denseMatrices([4, 2]), [await accumulateHessian(correlatedInputs(8, 4, 1))]);
    expect(constantResult.encoding).toStrictEqual(quantizeTfjsStockInRange(constant, 'uint8', 'minmax'));
  });

  it('gives typed errors for a non-finite weight, matrices that do not cover the kernel, Hessians that do not fit, and a bad damp', async () => {
    const hessian = await accumulateHessian(correlatedInputs(8, 4, 1));
    const kernel = normalMatrix(4, 2, 1);
    const broken = hostTensor('float32', [4, 2], Float32Array.of(0, 1, Number.NaN, 2, 3, 4, 5, 6));
    expect(() => quantizeTfjsStockCalibrated(broken, 'minmax', denseMatrices([4, 2]), [hessian])).toThrow(expect.objectContaining({ code: 'invalid-tensor' }));
    expect(() => quantizeTfjsStockCalibrated(kernel, 'minmax', denseMatrices([4, 3]), [hessian])).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'matrices' }));
    expect(() => quantizeTfjsStockCalibrated(kernel, 'minmax', denseMatrices([4, 2]), [])).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'hessians' }));
    const wide = await accumulateHessian(correlatedInputs(8, 5, 1));
    expect(() => quantizeTfjsStockCalibrated(kernel, 'minmax', denseMatrices([4, 2]), [wide])).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'hessian' }));
    for (const damp of [0, -1, Number.NaN, Infinity]) {
      expect(() => quantizeTfjsStockCalibrated(kernel, 'minmax', denseMatrices([4, 2]), [hessian], { damp })).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'damp' }));
    }
  });
});
