/**
 * The runtime as oracle: runs ONNX bytes in onnxruntime-web's wasm backend in Node, so tests
 * check what we write against what the stock runtime computes.
 */
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

/** A float32 input or output tensor. */
export interface RunTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array | Int32Array;
}

/** Runs `model` (with its external data files' bytes by name) on `feeds` and returns every output. */
export async function runOnnx(
  model: Uint8Array,
  feeds: Readonly<Record<string, RunTensor>>,
  externalData: readonly { path: string; data: Uint8Array }[] = [],
): Promise<Record<string, RunTensor>> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'disabled',
    ...(externalData.length === 0 ? {} : { externalData: [...externalData] }),
  });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      const type = tensor.data instanceof Float32Array ? 'float32' : tensor.data instanceof BigInt64Array ? 'int64' : 'int32';
      inputs[name] = new ort.Tensor(type, tensor.data, [...tensor.dims]);
    }
    const results = await session.run(inputs);
    const outputs: Record<string, RunTensor> = {};
    for (const [name, tensor] of Object.entries(results)) {
      outputs[name] = { dims: [...tensor.dims], data: tensor.data as Float32Array };
    }
    return outputs;
  } finally {
    await session.release();
  }
}

export { randomFloats } from './random-floats.ts';
