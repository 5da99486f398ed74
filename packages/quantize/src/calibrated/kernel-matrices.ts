/**
 * How a kernel's elements form the matrices whose outputs calibrated rounding protects: one
 * `[outputs, inputs]` matrix for a Dense kernel, a MatMul weight or a convolution (whose inputs
 * are the im2col patch, `kh · kw · in` values), one small matrix per input channel for a
 * depthwise convolution (its `multiplier` outputs read that channel's `kh · kw` taps only).
 */
import { WhittleError } from '@whittle/core';

/**
 * A kernel seen as `count` matrices of `[outputs, inputs]`: element (output, input) of matrix
 * `matrix` is the kernel's element `index(matrix, output, input)` (row-major storage).
 */
export interface KernelMatrices {
  /** How many matrices: 1, or a depthwise kernel's input channels. */
  readonly count: number;
  /** Rows of each matrix: the output channels that read its inputs. */
  readonly outputs: number;
  /** Columns of each matrix: the inputs each output reads (Dense inputs, an im2col patch, a channel's taps). */
  readonly inputs: number;
  /** The kernel element (row-major) at (output, input) of matrix `matrix`. */
  index(matrix: number, output: number, input: number): number;
}

/**
 * A Dense kernel `[in, out]`, or a convolution kernel `[kh, kw, in, out]` read as `[kh·kw·in,
 * out]` (the order of its im2col patches): one matrix, inputs along the leading axes. With
 * `outputsFirst` the weight is stored `[out, in]` (a MatMul with `transpose_b`, a Linear weight).
 *
 * @example
 * ```ts
 * denseMatrices([3, 3, 16, 32]); // { count: 1, outputs: 32, inputs: 144, ... }
 * ```
 */
export function denseMatrices(shape: readonly number[], outputsFirst = false): KernelMatrices {
  if (shape.length < 2) throw new WhittleError('invalid-argument', `a kernel has at least 2 axes, got shape [${shape.join(', ')}]`, { field: 'shape' });
  const outputs = outputsFirst ? shape[0]! : shape.at(-1)!;
  const inputs = shape.reduce((product, side) => product * side, 1) / Math.max(outputs, 1);
  return {
    count: 1,
    outputs,
    inputs,
    index: outputsFirst ? (_, output, input) => output * inputs + input : (_, output, input) => input * outputs + output,
  };
}

/**
 * A depthwise kernel `[kh, kw, in, multiplier]`: one matrix per input channel, `[multiplier,
 * kh·kw]`.
 *
 * @example
 * ```ts
 * depthwiseMatrices([3, 3, 32, 1]); // { count: 32, outputs: 1, inputs: 9, ... }
 * ```
 */
export function depthwiseMatrices(shape: readonly number[]): KernelMatrices {
  if (shape.length !== 4) throw new WhittleError('invalid-argument', `a depthwise kernel has 4 axes, got shape [${shape.join(', ')}]`, { field: 'shape' });
  const [height, width, channels, multiplier] = shape as [number, number, number, number];
  return {
    count: channels,
    outputs: multiplier,
    inputs: height * width,
    index: (channel, output, tap) => (tap * channels + channel) * multiplier + output,
  };
}
