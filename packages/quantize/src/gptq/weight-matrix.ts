/**
 * A layer weight seen the way GPTQ works on it: one row per output channel, one column per
 * input, whichever way the weight is stored (Dense `[in, out]`, Linear `[out, in]`).
 */
import { WhittleError, roleAxes, toFloat32, type HostTensor } from '@whittle/core';
import type { GptqRole } from './gptq-options.ts';

/** A weight as a float64 `[outputs, inputs]` row-major matrix, with the axes it came from. */
export interface WeightMatrix {
  readonly outputs: number;
  readonly inputs: number;
  /** `values[output * inputs + input]`. */
  readonly values: Float64Array;
  readonly shape: readonly number[];
  readonly outputAxis: number;
  readonly inputAxis: number;
}

/**
 * Reads a rank-2 weight of `role` into a {@link WeightMatrix}; throws an `invalid-argument`
 * WhittleError naming `weight` for another rank.
 *
 * @example
 * ```ts
 * const matrix = weightMatrix(kernel, 'dense-kernel'); // kernel [in, out] → rows = out
 * ```
 */
export function weightMatrix(weight: HostTensor, role: GptqRole): WeightMatrix {
  const { outputAxis, inputAxis } = roleAxes(role, weight.shape.length);
  if (weight.shape.length !== 2 || outputAxis === undefined || inputAxis === undefined) {
    throw new WhittleError(
      'invalid-argument',
      `GPTQ quantizes rank-2 Dense or Linear weights, got shape [${weight.shape.join(', ')}]`,
      { field: 'weight' },
    );
  }
  const outputs = weight.shape[outputAxis]!;
  const inputs = weight.shape[inputAxis]!;
  const source = toFloat32(weight).data;
  const bad = source.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) {
    throw new WhittleError('invalid-tensor', `element ${bad} is ${source[bad]}; GPTQ needs finite weights`, {
      field: 'weight',
    });
  }
  const values = new Float64Array(outputs * inputs);
  for (let output = 0; output < outputs; output++) {
    for (let input = 0; input < inputs; input++) {
      values[output * inputs + input] = source[storedIndex(outputAxis, outputs, inputs, output, input)]!;
    }
  }
  return { outputs, inputs, values, shape: [...weight.shape], outputAxis, inputAxis };
}

/**
 * Where element (output, input) sits in the stored row-major weight.
 *
 * @example
 * ```ts
 * storedIndex(1, 8, 4, 2, 3); // dense [4, 8]: input 3, output 2 → 3 * 8 + 2
 * ```
 */
export function storedIndex(outputAxis: number, outputs: number, inputs: number, output: number, input: number): number {
  return outputAxis === 0 ? output * inputs + input : input * outputs + output;
}

/**
 * A `[outputs, inputs]` matrix written back in the weight's own layout, as float32.
 *
 * @example
 * ```ts
 * const kernel = matrixToWeight(matrix, quantized); // same shape as the weight it came from
 * ```
 */
export function matrixToWeight(matrix: WeightMatrix, values: ArrayLike<number>): HostTensor<'float32'> {
  const { outputs, inputs, outputAxis } = matrix;
  const data = new Float32Array(outputs * inputs);
  for (let output = 0; output < outputs; output++) {
    for (let input = 0; input < inputs; input++) {
      data[storedIndex(outputAxis, outputs, inputs, output, input)] = values[output * inputs + input]!;
    }
  }
  return { dtype: 'float32', shape: [...matrix.shape], data };
}
