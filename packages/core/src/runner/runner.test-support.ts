/**
 * Test support for the runner: small models built with whittle's own data types (never with the
 * runner), and the plain maths their outputs are checked against.
 */
import { decode } from '../encoding/decode.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import type { Model } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { toFloat32 } from '../tensor/host-tensor.ts';

/** Seeded uniform numbers in [-1, 1). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

export function randomMatrix(rows: number, columns: number, seed: number): Float32Array {
  const next = seeded(seed);
  return Float32Array.from({ length: rows * columns }, () => next());
}

/** A Keras Sequential MLP 4 → 5 (ReLU) → 3 (linear), with its weights, as a whittle Model. */
export function mlpModel(): Model {
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'mlp',
      layers: [
        { class_name: 'Dense', config: { name: 'hidden', units: 5, activation: 'relu', use_bias: true, batch_input_shape: [null, 4] } },
        { class_name: 'Dense', config: { name: 'head', units: 3, activation: 'linear', use_bias: true } },
      ],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  return modelFromTensors(
    {
      'hidden/kernel': hostTensor('float32', [4, 5], randomMatrix(4, 5, 1)),
      'hidden/bias': hostTensor('float32', [5], randomMatrix(1, 5, 2)),
      'head/kernel': hostTensor('float32', [5, 3], randomMatrix(5, 3, 3)),
      'head/bias': hostTensor('float32', [3], randomMatrix(1, 3, 4)),
    },
    { topology },
  );
}

/** `[rows, inner] · [inner, columns]` + bias, then ReLU when asked, in float64. */
export function denseLayer(inputs: ArrayLike<number>, rows: number, kernel: ArrayLike<number>, inner: number, columns: number, bias: ArrayLike<number>, relu: boolean): Float64Array {
  const out = new Float64Array(rows * columns);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      let sum = Number(bias[column]);
      for (let k = 0; k < inner; k++) sum += Number(inputs[row * inner + k]) * Number(kernel[k * columns + column]);
      out[row * columns + column] = relu ? Math.max(0, sum) : sum;
    }
  }
  return out;
}

function values(model: Model, name: string): Float32Array {
  return toFloat32(decode(model.params.get(name)!.value)).data;
}

/** {@link mlpModel}'s hidden activations and outputs for `rows` inputs, from its decoded params. */
export function mlpReference(model: Model, inputs: ArrayLike<number>, rows: number): { hidden: Float64Array; outputs: Float64Array } {
  const hidden = denseLayer(inputs, rows, values(model, 'hidden/kernel'), 4, 5, values(model, 'hidden/bias'), true);
  const outputs = denseLayer(hidden, rows, values(model, 'head/kernel'), 5, 3, values(model, 'head/bias'), false);
  return { hidden, outputs };
}
