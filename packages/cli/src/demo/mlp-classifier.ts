import { seededRandom } from '@whittle/bench';
import { hostTensor, modelFromTensors, type HostTensor, type Model } from '@whittle/core';

/** The shape of a multilayer perceptron classifier. */
export interface MlpClassifierOptions {
  readonly inputSize: number;
  /** Widths of the ReLU hidden layers, in order. */
  readonly hiddenSizes: readonly number[];
  /** Number of classes: the width of the final, linear (logits) layer. */
  readonly outputSize: number;
  /** Seed of the weight initialisation. */
  readonly seed: number;
}

/** The demo's MNIST-sized classifier: 784 → 256 ReLU → 128 ReLU → 10 logits. */
export const DEMO_MLP: MlpClassifierOptions = { inputSize: 784, hiddenSizes: [256, 128], outputSize: 10, seed: 42 };

/**
 * Builds a seeded MLP classifier as a whittle Model in tfjs LayersModel form: a Keras-style
 * `Sequential` topology of `Dense` layers and their params named `dense_1/kernel`,
 * `dense_1/bias`, … as tfjs saves them, so roles come from the topology. Kernels are
 * He-initialised (normal, standard deviation √(2 / fan-in)), biases are zero, as a Keras
 * `heNormal` Dense layer starts.
 *
 * @example
 * ```ts
 * const model = mlpClassifier(DEMO_MLP);
 * model.params.get('dense_1/kernel')?.shape; // [784, 256]
 * ```
 */
export function mlpClassifier(options: MlpClassifierOptions): Model {
  const random = seededRandom(options.seed);
  const widths = [options.inputSize, ...options.hiddenSizes, options.outputSize];
  const layers: object[] = [];
  const tensors: Record<string, HostTensor> = {};
  for (let index = 1; index < widths.length; index++) {
    const fanIn = widths[index - 1]!;
    const units = widths[index]!;
    const name = `dense_${index}`;
    const isOutput = index === widths.length - 1;
    layers.push(denseLayerConfig(name, units, isOutput ? 'linear' : 'relu', index === 1 ? fanIn : undefined));
    tensors[`${name}/kernel`] = hostTensor('float32', [fanIn, units], random.normalArray(fanIn * units, 0, Math.sqrt(2 / fanIn)));
    tensors[`${name}/bias`] = hostTensor('float32', [units]);
  }
  const topology = {
    class_name: 'Sequential',
    config: { name: 'mlp_classifier', layers },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  return modelFromTensors(tensors, { format: 'tfjs-layers', topology });
}

function denseLayerConfig(name: string, units: number, activation: string, inputSize: number | undefined): object {
  return {
    class_name: 'Dense',
    config: {
      name,
      trainable: true,
      dtype: 'float32',
      units,
      activation,
      use_bias: true,
      ...(inputSize === undefined ? {} : { batch_input_shape: [null, inputSize] }),
    },
  };
}
