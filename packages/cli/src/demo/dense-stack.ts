import * as tf from '@tensorflow/tfjs-core';
import { decode, toTensor, WhittleError, type Model } from '@whittle/core';

/** Activations the demo's forward pass knows. */
type Activation = 'relu' | 'linear';

/** One Dense layer ready to run: its weights as tfjs tensors on the current backend. */
interface LoadedDense {
  readonly name: string;
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D | undefined;
  readonly activation: Activation;
}

/** A stack of Dense layers with weights on the current tfjs backend. Call `dispose` when done. */
export interface DenseStack {
  /** Runs a batch `[batch, inputs]` through every layer, returning `[batch, outputs]`. */
  predict(inputs: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

interface LayerConfig {
  readonly class_name?: unknown;
  readonly config?: { readonly name?: unknown; readonly activation?: unknown; readonly use_bias?: unknown };
}

/**
 * Loads a whittle Model whose topology is a Keras `Sequential` of `Dense` layers (ReLU or
 * linear) for inference with tfjs ops: each param is decoded from its encoding (so compressed
 * weights run as what they decode to) and uploaded once.
 *
 * @example
 * ```ts
 * const stack = loadDenseStack((await trainedClassifier()).model);
 * const logits = stack.predict(tf.zeros([1, 784]));
 * stack.dispose();
 * ```
 */
export function loadDenseStack(model: Model): DenseStack {
  const loaded: LoadedDense[] = [];
  try {
    for (const layer of sequentialLayers(model.topology)) loaded.push(loadDense(model, layer));
  } catch (error) {
    disposeAll(loaded);
    throw error;
  }
  return {
    predict: (inputs) =>
      tf.tidy(() => {
        let activations = inputs;
        for (const layer of loaded) {
          const product = tf.matMul<tf.Tensor2D>(activations, layer.kernel);
          const biased = layer.bias === undefined ? product : tf.add<tf.Tensor2D>(product, layer.bias);
          activations = layer.activation === 'relu' ? tf.relu(biased) : biased;
        }
        return activations;
      }),
    dispose: () => disposeAll(loaded),
  };
}

/**
 * Loads a model with {@link loadDenseStack}, runs one batch and frees the weights again: for a
 * model that runs once.
 *
 * @example
 * ```ts
 * const logits = predictOnce(model, inputs);
 * ```
 */
export function predictOnce(model: Model, inputs: tf.Tensor2D): tf.Tensor2D {
  const stack = loadDenseStack(model);
  try {
    return stack.predict(inputs);
  } finally {
    stack.dispose();
  }
}

function sequentialLayers(topology: unknown): LayerConfig[] {
  const sequential = topology as { class_name?: unknown; config?: { layers?: unknown } } | null;
  if (sequential?.class_name !== 'Sequential' || !Array.isArray(sequential.config?.layers)) {
    throw new WhittleError('invalid-model', 'expected a Keras Sequential topology', { field: 'topology' });
  }
  return sequential.config.layers as LayerConfig[];
}

function loadDense(model: Model, layer: LayerConfig): LoadedDense {
  const name = String(layer.config?.name);
  const field = `topology.layers.${name}`;
  if (layer.class_name !== 'Dense') {
    throw new WhittleError('invalid-model', `layer class ${String(layer.class_name)} is not supported; only Dense`, {
      field,
    });
  }
  const activation = layer.config?.activation ?? 'linear';
  if (activation !== 'relu' && activation !== 'linear') {
    throw new WhittleError('invalid-model', `activation ${String(activation)} is not supported; only relu, linear`, {
      field: `${field}.activation`,
    });
  }
  const kernel = paramTensor(model, `${name}/kernel`);
  if (kernel.rank !== 2) {
    kernel.dispose();
    throw new WhittleError('invalid-model', `kernel must be 2-D, got rank ${kernel.rank}`, { field: `${name}/kernel` });
  }
  const bias = layer.config?.use_bias === false ? undefined : (paramTensor(model, `${name}/bias`) as tf.Tensor1D);
  return { name, kernel: kernel as tf.Tensor2D, bias, activation };
}

function paramTensor(model: Model, name: string): tf.Tensor {
  const param = model.params.get(name);
  if (param === undefined) throw new WhittleError('invalid-model', `missing param ${name}`, { field: 'params' });
  return toTensor(decode(param.value));
}

function disposeAll(layers: readonly LoadedDense[]): void {
  for (const layer of layers) {
    layer.kernel.dispose();
    layer.bias?.dispose();
  }
}
