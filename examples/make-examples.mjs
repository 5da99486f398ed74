// Regenerates the example models the README's command lines use: a small MNIST classifier
// (784 → 64 → 10, ReLU) trained on the bundled digits, saved as TFJS artifacts (examples/mlp/)
// and as a PyTorch-style safetensors checkpoint (examples/mlp.safetensors: `fc1.weight` [out, in]).
// Run after `npm run build`: node examples/make-examples.mjs
import { decode, hostTensor, modelFromTensors, useBackend } from '@whittle/core';
import { writeSafetensorsFile, writeTfjsModelFiles } from '@whittle/core/fs';
import { loadMnistDigits, splitDigits, trainMnistMlp } from '@whittle/bench';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

await useBackend('wasm');
const { train } = splitDigits(await loadMnistDigits(), { train: 8000, test: 2000, seed: 7 });
const mlp = await trainMnistMlp(train, { hiddenSizes: [64], epochs: 2, batchSize: 128, learningRate: 0.002, seed: 42 });
mlp.dispose();

await rm(here('./mlp'), { recursive: true, force: true });
await writeTfjsModelFiles(mlp.model, here('./mlp'));

// The same weights as a PyTorch Linear checkpoint: weights [out, in], biases [out].
const tensors = [];
for (const [index, layer] of ['dense_1', 'dense_2'].entries()) {
  const kernel = decode(mlp.model.params.get(`${layer}/kernel`).value);
  const [inputs, outputs] = kernel.shape;
  const weight = new Float32Array(inputs * outputs);
  for (let row = 0; row < inputs; row++) {
    for (let column = 0; column < outputs; column++) weight[column * inputs + row] = kernel.data[row * outputs + column];
  }
  tensors.push([`fc${index + 1}.weight`, hostTensor('float32', [outputs, inputs], weight)]);
  tensors.push([`fc${index + 1}.bias`, decode(mlp.model.params.get(`${layer}/bias`).value)]);
}
await writeSafetensorsFile(here('./mlp.safetensors'), modelFromTensors(tensors), { force: true });
console.log('wrote examples/mlp/ and examples/mlp.safetensors');
