/**
 * Test support for gradual pruning: a small Keras MLP built from whittle's own data types and a
 * classification task it can learn, with plain seeded numbers.
 */
import { hostTensor, modelFromTensors, type Model } from '@whittle/core';

/** Seeded uniform numbers in [-1, 1). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

export function randomValues(length: number, seed: number, scale = 1): Float32Array {
  const next = seeded(seed);
  return Float32Array.from({ length }, () => scale * next());
}

export const INPUTS = 8;
export const HIDDEN = 24;
export const CLASSES = 3;

/** A Keras Sequential MLP 8 → 24 (ReLU) → 3 (linear logits). */
export function classifierModel(): Model {
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'classifier',
      layers: [
        { class_name: 'Dense', config: { name: 'hidden', units: HIDDEN, activation: 'relu', use_bias: true, batch_input_shape: [null, INPUTS] } },
        { class_name: 'Dense', config: { name: 'head', units: CLASSES, activation: 'linear', use_bias: true } },
      ],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  return modelFromTensors(
    {
      'hidden/kernel': hostTensor('float32', [INPUTS, HIDDEN], randomValues(INPUTS * HIDDEN, 1, 0.5)),
      'hidden/bias': hostTensor('float32', [HIDDEN], new Float32Array(HIDDEN)),
      'head/kernel': hostTensor('float32', [HIDDEN, CLASSES], randomValues(HIDDEN * CLASSES, 2, 0.5)),
      'head/bias': hostTensor('float32', [CLASSES], new Float32Array(CLASSES)),
    },
    { topology },
  );
}

export { classificationBatches } from '@whittle/core/test';
