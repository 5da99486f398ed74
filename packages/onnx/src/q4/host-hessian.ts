import { toFloat32, WhittleError, type HostTensor } from '@whittle/core';
import type { Hessian } from '@whittle/quantize';

/**
 * GPTQ's Hessian H = 2/n · XᵀX of a MatMul's A rows (`[..., K]`, any float dtype), accumulated
 * in float64 on the host: an ONNX model's activations come from onnxruntime, not from a tfjs
 * backend, so this needs none. A last axis other than `inputs` is an `invalid-argument`
 * WhittleError naming the weight.
 *
 * @example
 * ```ts
 * const hessian = hostHessian(hostTensor('float32', [256, 64], rows), 64, 'w1');
 * ```
 */
export function hostHessian(rows: HostTensor, inputs: number, name = 'weight'): Hessian {
  const width = rows.shape[rows.shape.length - 1];
  if (width !== inputs || rows.shape.length < 1) {
    throw new WhittleError('invalid-argument', `calibration rows of ${String(width)} values; the MatMul's K is ${inputs}`, { field: `calibration.${name}` });
  }
  const values = toFloat32(rows).data;
  const samples = inputs === 0 ? 0 : values.length / inputs;
  const matrix = new Float64Array(inputs * inputs);
  const row = new Float64Array(inputs);
  for (let sample = 0; sample < samples; sample++) {
    for (let index = 0; index < inputs; index++) row[index] = values[sample * inputs + index]!;
    for (let first = 0; first < inputs; first++) {
      const value = row[first]!;
      if (value === 0) continue;
      const base = first * inputs;
      for (let second = first; second < inputs; second++) matrix[base + second]! += value * row[second]!;
    }
  }
  const factor = samples === 0 ? 0 : 2 / samples;
  for (let first = 0; first < inputs; first++) {
    for (let second = first; second < inputs; second++) {
      const value = matrix[first * inputs + second]! * factor;
      matrix[first * inputs + second] = value;
      matrix[second * inputs + first] = value;
    }
  }
  return { kind: 'hessian', inputs, samples, matrix: { dtype: 'float64', shape: [inputs, inputs], data: matrix } };
}
