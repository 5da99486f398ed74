/**
 * Moments of a kernel's layer inputs taken in pairs: what the float model feeds the layer (x) and
 * what the partly quantized model feeds it on the same calibration input (x̂), row for row (the
 * same im2col positions). From them, the kernel whose outputs on x̂ come closest to the float
 * layer's outputs on x: least squares of ‖X̂W′ − XW‖², pulled towards W where the inputs say
 * little, so rounding can aim at the float outputs rather than at outputs that earlier layers
 * have already moved.
 */
import { WhittleError, type CalibrationBatch, type HostTensor } from '@whittle/core';
import { inverseUpperCholesky } from '../gptq/cholesky.ts';
import type { Hessian } from '../gptq/hessian.ts';
import type { KernelGeometry } from './kernel-geometry.ts';
import { kernelInputRows } from './kernel-hessians.ts';
import type { KernelMatrices } from './kernel-matrices.ts';

/** Sums over paired rows: per matrix X̂ᵀX̂ and X̂ᵀX, and the mean rows of X̂ and X. */
export interface PairedMoments {
  /** Adds one batch of the layer's inputs from the float model and the same batch from the quantized one. */
  add(float: CalibrationBatch, quantized: CalibrationBatch): Promise<void>;
  /** The totals so far; throws `invalid-argument` before any sample. */
  result(): PairedMomentsResult;
}

/** What {@link PairedMoments} gathered; matrix `m`'s blocks are `[inputs, inputs]`, row-major. */
export interface PairedMomentsResult {
  readonly samples: number;
  /** Per matrix Σ x̂ x̂ᵀ. */
  readonly quantizedGram: Float64Array[];
  /** Per matrix Σ x̂ xᵀ. */
  readonly cross: Float64Array[];
  /** Mean row of the float inputs (Dense inputs or im2col patches, `[tap, channel]` order). */
  readonly floatMeans: Float64Array;
  /** Mean row of the quantized model's inputs. */
  readonly quantizedMeans: Float64Array;
}

/**
 * A {@link PairedMoments} for a kernel of `shape` whose layer reads its input as `geometry` says,
 * seen as `matrices` (one matrix, or one per channel of a depthwise kernel).
 *
 * @example
 * ```ts
 * const moments = createPairedMoments({ kind: 'dense', outputsFirst: false }, [64, 32], denseMatrices([64, 32]));
 * await moments.add(floatInputs, quantizedInputs);
 * const target = leastSquaresKernel(kernel, denseMatrices([64, 32]), moments.result(), 0.01);
 * ```
 */
export function createPairedMoments(geometry: KernelGeometry, shape: readonly number[], matrices: KernelMatrices): PairedMoments {
  const { count, inputs } = matrices;
  const depthwise = geometry.kind === 'depthwise';
  const width = depthwise ? count * inputs : inputs;
  const quantizedGram = Array.from({ length: count }, () => new Float64Array(inputs * inputs));
  const cross = Array.from({ length: count }, () => new Float64Array(inputs * inputs));
  const floatSums = new Float64Array(width);
  const quantizedSums = new Float64Array(width);
  let samples = 0;
  const rowsOf = (activations: CalibrationBatch): Promise<Float32Array> => kernelInputRows(activations, geometry, shape);
  const a = new Float64Array(inputs);
  const b = new Float64Array(inputs);
  return {
    async add(float, quantized) {
      const floatRows = await rowsOf(float);
      const quantizedRows = await rowsOf(quantized);
      if (floatRows.length !== quantizedRows.length) {
        throw new WhittleError('invalid-argument', 'the float and the quantized model gave a layer inputs of different sizes', { field: 'calibration' });
      }
      const rows = floatRows.length / width;
      for (let row = 0; row < rows; row++) {
        const offset = row * width;
        for (let column = 0; column < width; column++) {
          floatSums[column]! += floatRows[offset + column]!;
          quantizedSums[column]! += quantizedRows[offset + column]!;
        }
        for (let matrix = 0; matrix < count; matrix++) {
          // A depthwise channel's taps are every `count`-th value of the patch.
          for (let input = 0; input < inputs; input++) {
            const column = offset + (depthwise ? input * count + matrix : input);
            a[input] = quantizedRows[column]!;
            b[input] = floatRows[column]!;
          }
          const gram = quantizedGram[matrix]!;
          const mixed = cross[matrix]!;
          for (let i = 0; i < inputs; i++) {
            const left = a[i]!;
            if (left === 0) continue;
            const rowOffset = i * inputs;
            for (let j = 0; j < inputs; j++) {
              gram[rowOffset + j]! += left * a[j]!;
              mixed[rowOffset + j]! += left * b[j]!;
            }
          }
        }
      }
      samples += rows;
    },
    result() {
      if (samples === 0) throw new WhittleError('invalid-argument', 'the calibration data holds no samples', { field: 'calibration' });
      return {
        samples,
        quantizedGram: quantizedGram.map((gram) => gram.slice()),
        cross: cross.map((mixed) => mixed.slice()),
        floatMeans: Float64Array.from(floatSums, (sum) => sum / samples),
        quantizedMeans: Float64Array.from(quantizedSums, (sum) => sum / samples),
      };
    },
  };
}

/**
 * GPTQ's Hessians, H = 2/n·X̂ᵀX̂ per matrix, from paired moments: the error rounding W′ adds to
 * the layer's outputs on the quantized model's inputs.
 *
 * @example
 * ```ts
 * const hessians = quantizedHessians(moments.result());
 * ```
 */
export function quantizedHessians(moments: PairedMomentsResult): Hessian[] {
  const inputs = Math.round(Math.sqrt(moments.quantizedGram[0]?.length ?? 0));
  return moments.quantizedGram.map((gram) => ({
    kind: 'hessian',
    inputs,
    samples: moments.samples,
    matrix: { dtype: 'float64', shape: [inputs, inputs], data: Float64Array.from(gram, (value) => (2 / moments.samples) * value) },
  }));
}

/**
 * The kernel W′ (same layout as `kernel`) minimising ‖X̂W′ − XW‖² + λ‖W′ − W‖² per matrix, λ =
 * `damp` · mean diag(X̂ᵀX̂): W′ = (X̂ᵀX̂ + λI)⁻¹(X̂ᵀXW + λW). Where the quantized inputs equal the
 * float ones it is W; an input the calibration never exercised keeps its weight.
 *
 * @example
 * ```ts
 * const target = leastSquaresKernel(kernel, matrices, moments.result(), 0.01);
 * ```
 */
export function leastSquaresKernel(kernel: HostTensor<'float32'>, matrices: KernelMatrices, moments: PairedMomentsResult, damp: number): HostTensor<'float32'> {
  const { count, outputs, inputs } = matrices;
  const target = kernel.data.slice();
  const right = new Float64Array(inputs);
  const middle = new Float64Array(inputs);
  for (let matrix = 0; matrix < count; matrix++) {
    const gram = moments.quantizedGram[matrix]!;
    const mixed = moments.cross[matrix]!;
    let diagonalMean = 0;
    for (let input = 0; input < inputs; input++) diagonalMean += gram[input * inputs + input]!;
    diagonalMean /= Math.max(inputs, 1);
    // Nothing reached this matrix's inputs: nothing to fit.
    if (!(diagonalMean > 0)) continue;
    const lambda = damp * diagonalMean;
    const damped = gram.slice();
    for (let input = 0; input < inputs; input++) damped[input * inputs + input]! += lambda;
    // (X̂ᵀX̂ + λI)⁻¹ = UᵀU.
    const upper = inverseUpperCholesky(damped, inputs);
    for (let output = 0; output < outputs; output++) {
      for (let i = 0; i < inputs; i++) {
        let sum = lambda * kernel.data[matrices.index(matrix, output, i)]!;
        for (let j = 0; j < inputs; j++) sum += mixed[i * inputs + j]! * kernel.data[matrices.index(matrix, output, j)]!;
        right[i] = sum;
      }
      for (let i = 0; i < inputs; i++) {
        let sum = 0;
        for (let j = i; j < inputs; j++) sum += upper[i * inputs + j]! * right[j]!;
        middle[i] = sum;
      }
      for (let i = 0; i < inputs; i++) {
        let sum = 0;
        for (let j = 0; j <= i; j++) sum += upper[j * inputs + i]! * middle[j]!;
        target[matrices.index(matrix, output, i)] = sum;
      }
    }
  }
  return { dtype: 'float32', shape: [...kernel.shape], data: target };
}
