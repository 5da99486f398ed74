/**
 * Calibrated rounding of stock uint8 codes. The stock format fixes one `min` and `scale` per
 * tensor and leaves every code free, so the codes can be chosen for the layer's outputs rather
 * than for each weight alone: GPTQ's error-compensating order on the inputs the layer sees on
 * calibration data (its Hessian H = 2/n·XᵀX), over the per-tensor grid the chosen range gives.
 * Each output row then keeps whichever of GPTQ's codes and the nearest codes moves its outputs
 * less on those inputs (δ H δᵀ, H undamped), so the result is never worse than the converter's
 * rounding on the calibration data. `min`, `scale` and the codes stay stock: tfjs's own loader
 * decodes them unchanged.
 */
import { WhittleError, affineEncoding, describeValue, toFloat32, type AffineEncoding, type HostTensor } from '@whittle/core';
import { inverseUpperCholesky } from '../gptq/cholesky.ts';
import { compensatedSweep, dampedHessian } from '../gptq/gptq-matrix.ts';
import { GPTQ_DEFAULTS } from '../gptq/gptq-options.ts';
import { checkHessian, type Hessian } from '../gptq/hessian.ts';
import { roundHalfToEven } from '../primitives/round-half-even.ts';
import { quantizeTfjsStockInRange, type StockRange } from '../primitives/uint8-range.ts';
import type { KernelMatrices } from './kernel-matrices.ts';

/** Options of {@link quantizeTfjsStockCalibrated}. */
export interface CalibratedRoundingOptions {
  /** Fraction of the mean diagonal of each H added to its diagonal before inverting (default GPTQ's 0.01). */
  readonly damp?: number;
}

/** Calibrated stock codes, and how far they and the nearest codes move the layer's outputs. */
export interface CalibratedStockResult {
  /** Stock uint8: per-tensor `min` and `scale` as the range gives them, the chosen codes. */
  readonly encoding: AffineEncoding;
  /** Σ over matrices and rows of δ H δᵀ / 2 (δ = weight − decoded), with the codes chosen. */
  readonly error: number;
  /** The same with the converter's nearest codes over the same range. */
  readonly nearestError: number;
}

const LEVELS = 255;

/**
 * Quantizes a float kernel to stock tfjs uint8 (one `min` and `scale` over the range `range`
 * picks, exactly as `quantizeTfjsStockInRange` sets them) with codes chosen for the layer's
 * outputs: per matrix of `matrices` (see `denseMatrices`, `depthwiseMatrices`), GPTQ's sweep
 * over `hessians[matrix]` (the matrix's `[inputs, inputs]` H = 2/n·XᵀX of calibration inputs),
 * rounding to that one grid; then each row keeps GPTQ's codes or the nearest codes, whichever has
 * the smaller δ H δᵀ on the undamped H. Guarantees: every code is in [0, 255]; every row's output
 * error on the calibration inputs is at most the nearest codes'; a weight that is exactly zero
 * (where zero is in the range) keeps the code that decodes to exactly zero. Inputs the
 * calibration never exercised (H_ii = 0) round to nearest and pass no error on. Throws
 * `invalid-tensor` for a non-finite weight and `invalid-argument` for matrices or Hessians that
 * do not fit the kernel.
 *
 * @example
 * ```ts
 * const hessian = await accumulateHessian(layerInputs); // [samples, 64] inputs of a [64, 32] Dense kernel
 * const { encoding } = quantizeTfjsStockCalibrated(kernel, 'minmax', denseMatrices([64, 32]), [hessian]);
 * ```
 */
export function quantizeTfjsStockCalibrated(
  tensor: HostTensor,
  range: StockRange,
  matrices: KernelMatrices,
  hessians: readonly Hessian[],
  options: CalibratedRoundingOptions = {},
): CalibratedStockResult {
  // The converter's own codes, min and scale over the range: the grid, and the baseline.
  const nearest = quantizeTfjsStockInRange(tensor, 'uint8', range);
  const { count, outputs, inputs } = matrices;
  const size = nearest.codes.length;
  if (![count, outputs, inputs].every((side) => Number.isSafeInteger(side) && side >= 0) || count * outputs * inputs !== size) {
    throw new WhittleError('invalid-argument', `${count} matrices of ${outputs}×${inputs} do not cover ${size} elements`, { field: 'matrices' });
  }
  if (!Array.isArray(hessians) || hessians.length !== count) {
    throw new WhittleError('invalid-argument', `expected ${count} Hessians, one per matrix, got ${describeValue(hessians?.length)}`, { field: 'hessians' });
  }
  const damp = options.damp ?? GPTQ_DEFAULTS.damp;
  if (typeof damp !== 'number' || !(damp > 0) || !Number.isFinite(damp)) {
    throw new WhittleError('invalid-argument', `damp must be a positive finite number, got ${describeValue(damp)}`, { field: 'damp' });
  }
  const scale = nearest.scales.data[0]!;
  const min = nearest.offsets!.data[0]!;
  const values = toFloat32(tensor).data;
  const codes = nearest.codes.slice();
  const decode = (code: number): number => Math.fround(code * scale + min);
  let error = 0;
  let nearestError = 0;
  // A constant tensor has one code only: nothing to choose.
  const constant = nearest.codes.every((code) => code === 0) && scale === 1;
  const zeroCode = min <= 0 && 0 <= decode(LEVELS) ? roundHalfToEven(-min / scale) : -1;
  const weights = new Float64Array(outputs * inputs);
  const original = new Float64Array(outputs * inputs);
  const baseline = new Float64Array(outputs * inputs);
  const chosen = new Float64Array(outputs * inputs);
  const chosenCodes = new Uint8Array(outputs * inputs);
  for (let matrix = 0; matrix < count; matrix++) {
    const h = checkHessian(hessians[matrix]!, inputs);
    for (let output = 0; output < outputs; output++) {
      for (let input = 0; input < inputs; input++) {
        const index = matrices.index(matrix, output, input);
        const cell = output * inputs + input;
        original[cell] = values[index]!;
        baseline[cell] = decode(nearest.codes[index]!);
        chosenCodes[cell] = nearest.codes[index]!;
      }
    }
    if (!constant && outputs > 0 && inputs > 0) {
      weights.set(original);
      const { damped, dead } = dampedHessian(h, inputs, damp);
      const upper = inverseUpperCholesky(damped, inputs);
      compensatedSweep(weights, outputs, inputs, upper, {
        blockSize: GPTQ_DEFAULTS.blockSize,
        alignment: 1,
        quantize(output, input, value) {
          const cell = output * inputs + input;
          const exact = original[cell]!;
          // Exact zeros (pruned weights) stay exact; unexercised inputs keep their nearest code.
          const code =
            exact === 0 && zeroCode >= 0
              ? zeroCode
              : dead[input] === 1
                ? chosenCodes[cell]!
                : Math.min(Math.max(roundHalfToEven((value - min) / scale), 0), LEVELS);
          chosenCodes[cell] = code;
          chosen[cell] = decode(code);
          // A dead input's error is not carried: its H row holds nothing to carry it to.
          return dead[input] === 1 ? value : chosen[cell]!;
        },
      });
    } else {
      chosen.set(baseline);
    }
    for (let output = 0; output < outputs; output++) {
      const fromNearest = rowError(original, baseline, h, output, inputs);
      const fromChosen = constant ? fromNearest : rowError(original, chosen, h, output, inputs);
      nearestError += fromNearest;
      const keep = fromChosen < fromNearest;
      error += keep ? fromChosen : fromNearest;
      if (!keep) continue;
      for (let input = 0; input < inputs; input++) codes[matrices.index(matrix, output, input)] = chosenCodes[output * inputs + input]!;
    }
  }
  return {
    encoding: affineEncoding({
      shape: [...tensor.shape],
      bits: 8,
      signed: false,
      granularity: { kind: 'tensor' },
      codes,
      scales: { dtype: 'float64', shape: [], data: Float64Array.of(scale) },
      offsets: { dtype: 'float64', shape: [], data: Float64Array.of(min) },
    }),
    error,
    nearestError,
  };
}

/** δ H δᵀ / 2 for row `output` (δ = original − decoded): that row's share of the layer's output error. */
function rowError(original: Float64Array, decoded: Float64Array, hessian: Float64Array, output: number, inputs: number): number {
  const row = output * inputs;
  let total = 0;
  for (let i = 0; i < inputs; i++) {
    const di = original[row + i]! - decoded[row + i]!;
    if (di === 0) continue;
    let sum = 0;
    for (let j = 0; j < inputs; j++) sum += hessian[i * inputs + j]! * (original[row + j]! - decoded[row + j]!);
    total += di * sum;
  }
  return total / 2;
}
