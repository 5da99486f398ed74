/**
 * Bias correction: rounding a kernel moves its layer's mean output, E[Ŵx̂] − E[Wx] per output
 * channel over the calibration inputs (x̂: the inputs the quantized model feeds the layer, x: the
 * float model's). Subtracting that shift from the layer's float bias makes the quantized layer's
 * mean output equal the float one's on those inputs.
 */
import { WhittleError } from '@whittle/core';
import type { KernelMatrices } from './kernel-matrices.ts';

/** The kernel before and after rounding and the mean rows its layer multiplies, float and quantized. */
export interface BiasShiftInputs {
  /** The float kernel's values (row-major, the layout `matrices` indexes). */
  readonly kernel: ArrayLike<number>;
  /** The decoded quantized kernel's values, same layout. */
  readonly decoded: ArrayLike<number>;
  readonly matrices: KernelMatrices;
  /** Whether the kernel is depthwise: matrix `m`'s inputs are channel `m`'s taps, in `[tap, channel]` order in the means. */
  readonly depthwise: boolean;
  /** Mean row of the float model's layer inputs (see `createLayerInputMeans`). */
  readonly floatMeans: ArrayLike<number>;
  /** Mean row of the quantized model's layer inputs; the float one's where earlier layers are float. */
  readonly quantizedMeans: ArrayLike<number>;
}

/**
 * The mean output shift per output channel, E[Ŵx̂] − E[Wx]: subtract it from the layer's bias.
 * Output channels are numbered as the layer emits them (a depthwise kernel's channel `c`,
 * multiplier `m` is `c · multiplier + m`).
 *
 * @example
 * ```ts
 * const shift = meanOutputShift({ kernel, decoded, matrices: denseMatrices([64, 32]), depthwise: false, floatMeans, quantizedMeans: floatMeans });
 * const corrected = bias.map((value, channel) => value - shift[channel]!);
 * ```
 */
export function meanOutputShift(inputs: BiasShiftInputs): Float64Array {
  const { kernel, decoded, matrices, depthwise, floatMeans, quantizedMeans } = inputs;
  const { count, outputs } = matrices;
  const width = depthwise ? count * matrices.inputs : matrices.inputs;
  if (floatMeans.length !== width || quantizedMeans.length !== width || kernel.length !== decoded.length || kernel.length !== count * outputs * matrices.inputs) {
    throw new WhittleError('invalid-argument', `means of ${floatMeans.length} and ${quantizedMeans.length} values do not fit a kernel of ${count} matrices of ${outputs}×${matrices.inputs}`, {
      field: 'means',
    });
  }
  const shift = new Float64Array(count * outputs);
  for (let matrix = 0; matrix < count; matrix++) {
    for (let output = 0; output < outputs; output++) {
      let sum = 0;
      for (let input = 0; input < matrices.inputs; input++) {
        const index = matrices.index(matrix, output, input);
        const column = depthwise ? input * count + matrix : input;
        sum += decoded[index]! * quantizedMeans[column]! - kernel[index]! * floatMeans[column]!;
      }
      shift[matrix * outputs + output] = sum;
    }
  }
  return shift;
}
