/**
 * From a quantization-aware trained tfjs-layers model to a whittle Model whose kernels are the
 * affine encodings the training forward pass used.
 */
import {
  fromTensor,
  modelFromTensors,
  replaceParams,
  type Encoding,
  type HostTensor,
  type Model,
} from '@whittle/core';
import { fakeQuantEncoding } from './fake-quant.ts';
import type { FakeQuantModel } from './fake-quant-model.ts';

/**
 * The whittle Model of a fake-quantized tfjs-layers model: its Keras topology, every weight by
 * its saved name, and each fake-quantized kernel as the AffineEncoding of exactly what the
 * forward pass computes now (`bits`-wide codes, float32 scales), so the exported model
 * predicts what the trained one does. Other weights (biases, norms) stay dense float32.
 *
 * @example
 * ```ts
 * const aware = applyFakeQuant(model, { bits: 4 });
 * await model.fit(xs, ys, { epochs: 3 });
 * const quantized = await exportFakeQuant(aware);
 * listParams(quantized); // dense_Dense1/kernel: affine 4-bit per axis 1, …
 * ```
 */
export async function exportFakeQuant(aware: FakeQuantModel): Promise<Model> {
  const { model, kernels } = aware;
  const tensors: Array<readonly [string, HostTensor]> = [];
  // model.weights holds the float variables themselves, never the fake-quantized views.
  for (const weight of model.weights) tensors.push([weight.originalName, await fromTensor(weight.read())]);
  const exported = modelFromTensors(tensors, { topology: model.toJSON(null, false) });
  const updates = new Map<string, Encoding>();
  for (const kernel of kernels) updates.set(kernel.name, await fakeQuantEncoding(kernel.weight.read(), kernel.options));
  return replaceParams(exported, updates);
}
