import * as tf from '@tensorflow/tfjs-core';
import { byteLength, compareTensors, decodeToFloat32, modelFromTensors, type HostTensor } from '@whittle/core';
import { accumulateHessian } from '@whittle/quantize';
import type { ResultRow } from '../../result-row.ts';
import type { QuantizationMethod } from './quantization-methods.ts';
import type { QuantizationPlan } from './quantization-plan.ts';
import { WEIGHT_DISTRIBUTIONS, inputDistribution, syntheticKernel } from './synthetic-layer.ts';

const PARAM = 'layer/kernel';

/**
 * The synthetic half of the quantization suite: one square dense kernel per weight
 * distribution (seeded), quantized by every method. Per method and distribution: the weights'
 * SQNR, the layer's output SQNR on held-out inputs (XW against XŴ, one `tf.matMul` each on the
 * current backend), and the bits each weight costs, scales and zero points included. GPTQ
 * calibrates on separate rows of the same input distribution.
 *
 * @example
 * ```ts
 * const rows = await syntheticRows(QUANTIZATION_METHODS, QUICK_QUANTIZATION_PLAN, 'wasm', console.log);
 * ```
 */
export async function syntheticRows(
  methods: readonly QuantizationMethod[],
  plan: QuantizationPlan,
  backend: string,
  progress: (message: string) => void,
): Promise<ResultRow[]> {
  const side = plan.syntheticSide;
  const inputs = inputDistribution(side, 2);
  progress(`GPTQ calibration: Hessian of ${plan.calibrationSamples} synthetic input rows of ${side}`);
  // Calibration rows never score the result: held-out rows do.
  const hessian = await accumulateHessian(hostMatrix(inputs.sample(plan.calibrationSamples, 3), side));
  const heldOut = tf.tensor2d(inputs.sample(plan.heldOutSamples, 4), [plan.heldOutSamples, side]);
  const rows: ResultRow[] = [];
  try {
    for (const [index, distribution] of WEIGHT_DISTRIBUTIONS.entries()) {
      const size = `${distribution} ${side}x${side}`;
      const kernel = syntheticKernel(distribution, side, 10 + index);
      const model = modelFromTensors({ [PARAM]: kernel });
      const reference = await layerOutputs(heldOut, kernel);
      for (const method of methods) {
        progress(`${method.name} on ${size}`);
        const quantized = (await method.quantize(model, { [PARAM]: hessian })).params.get(PARAM)!.value;
        const decoded = decodeToFloat32(quantized);
        const row = (metric: string, value: number, unit: string, rowBackend = 'js'): ResultRow => ({
          suite: 'quantization',
          case: method.name,
          backend: rowBackend,
          size,
          metric,
          value,
          unit,
        });
        rows.push(
          row('weight-sqnr', compareTensors(kernel, decoded).sqnr, 'dB'),
          row('output-sqnr', compareTensors(reference, await layerOutputs(heldOut, decoded)).sqnr, 'dB', backend),
          row('bits-per-weight', (8 * byteLength(quantized)) / kernel.data.length, 'bits'),
        );
      }
    }
  } finally {
    heldOut.dispose();
  }
  return rows;
}

function hostMatrix(values: Float32Array, columns: number): HostTensor<'float32'> {
  return { dtype: 'float32', shape: [values.length / columns, columns], data: values };
}

async function layerOutputs(inputs: tf.Tensor2D, kernel: HostTensor<'float32'>): Promise<Float32Array> {
  const outputs = tf.tidy(() => tf.matMul(inputs, tf.tensor2d(kernel.data, [kernel.shape[0]!, kernel.shape[1]!])));
  try {
    return (await outputs.data()) as Float32Array;
  } finally {
    outputs.dispose();
  }
}
