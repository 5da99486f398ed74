/**
 * Test support for centroid fine-tuning: small Keras models built from whittle's own data types,
 * a seeded classification task, and plain reference maths to score a model with.
 */
import { hostTensor, modelFromTensors, type HostTensor, type Model } from '@whittle/core';
import type { Batch } from '@whittle/core/runner';
import { seededRandom } from '../primitives/seeded-random.ts';

export const INPUTS = 8;
export const HIDDEN = 24;
export const CLASSES = 3;

/** Seeded uniform values in [-scale, scale). */
export function randomValues(length: number, seed: number, scale = 1): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length }, () => scale * (random() * 2 - 1));
}

function topology(layers: readonly object[]): object {
  return { class_name: 'Sequential', config: { name: 'model', layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
}

/** A Keras Sequential MLP 8 → 24 (ReLU) → 3 (linear logits) with the given weights. */
export function classifierModel(weights: Readonly<Record<string, HostTensor>> = {}): Model {
  return modelFromTensors(
    {
      'hidden/kernel': hostTensor('float32', [INPUTS, HIDDEN], randomValues(INPUTS * HIDDEN, 1, 0.6)),
      'hidden/bias': hostTensor('float32', [HIDDEN], new Float32Array(HIDDEN)),
      'head/kernel': hostTensor('float32', [HIDDEN, CLASSES], randomValues(HIDDEN * CLASSES, 2, 0.6)),
      'head/bias': hostTensor('float32', [CLASSES], new Float32Array(CLASSES)),
      ...weights,
    },
    {
      topology: topology([
        { class_name: 'Dense', config: { name: 'hidden', units: HIDDEN, activation: 'relu', use_bias: true, batch_input_shape: [null, INPUTS] } },
        { class_name: 'Dense', config: { name: 'head', units: CLASSES, activation: 'linear', use_bias: true } },
      ]),
    },
  );
}

/** One Dense layer `inputs` → `units`, linear, with the given kernel and bias. */
export function denseModel(kernel: HostTensor, bias: HostTensor): Model {
  const [inputs, units] = kernel.shape as [number, number];
  return modelFromTensors(
    { 'dense/kernel': kernel, 'dense/bias': bias },
    { topology: topology([{ class_name: 'Dense', config: { name: 'dense', units, activation: 'linear', use_bias: true, batch_input_shape: [null, inputs] } }]) },
  );
}

export { classificationBatches } from '@whittle/core/test';

/**
 * The classifier's mean softmax cross-entropy and accuracy over `batches`, computed in plain
 * float64 from the decoded weights (an oracle independent of tfjs).
 */
export function scoreClassifier(weights: (name: string) => Float32Array, batches: readonly Batch[]): { loss: number; accuracy: number } {
  const [hiddenKernel, hiddenBias, headKernel, headBias] = ['hidden/kernel', 'hidden/bias', 'head/kernel', 'head/bias'].map(weights) as Float32Array[];
  let loss = 0;
  let correct = 0;
  let rows = 0;
  for (const batch of batches) {
    const inputs = (batch.inputs as HostTensor).data as Float32Array;
    const targets = (batch.targets as HostTensor).data as Float32Array;
    const count = inputs.length / INPUTS;
    for (let row = 0; row < count; row++) {
      const hidden = Array.from({ length: HIDDEN }, (_, unit) => {
        let sum = hiddenBias![unit]!;
        for (let feature = 0; feature < INPUTS; feature++) sum += inputs[row * INPUTS + feature]! * hiddenKernel![feature * HIDDEN + unit]!;
        return Math.max(0, sum);
      });
      const logits = Array.from({ length: CLASSES }, (_, label) => {
        let sum = headBias![label]!;
        for (let unit = 0; unit < HIDDEN; unit++) sum += hidden[unit]! * headKernel![unit * CLASSES + label]!;
        return sum;
      });
      const top = Math.max(...logits);
      const logSum = top + Math.log(logits.reduce((total, logit) => total + Math.exp(logit - top), 0));
      const label = Array.from(targets.subarray(row * CLASSES, (row + 1) * CLASSES)).indexOf(1);
      loss += logSum - logits[label]!;
      if (logits.indexOf(top) === label) correct++;
      rows++;
    }
  }
  return { loss: loss / rows, accuracy: correct / rows };
}
