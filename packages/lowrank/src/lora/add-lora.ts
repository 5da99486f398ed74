/**
 * LoRA (Hu et al. 2021): a frozen Dense kernel W plus a trainable low-rank update (α / r)·A·B,
 * trained through core's runner and folded back into W by `merge`.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  WhittleError,
  compileFilter,
  denseEncoding,
  fromTensor,
  loadRunner,
  replaceParams,
  type Encoding,
  type HostTensor,
  type Model,
  type Param,
} from '@whittle/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BatchData, FitOptions, Trainable } from '@whittle/core/runner';
import { checkAdapters, checkLoraScale } from './check-adapters.ts';
import type { LoraAdapters, LoraLayerAdapter, LoraOptions } from './lora-types.ts';
import { seededGaussian } from './seeded-gaussian.ts';

/** The part of a tfjs-layers weight that LoRA uses (`LayerVariable`, which tfjs-layers does not export as a type). */
interface LayerWeight {
  readonly originalName: string;
  trainable: boolean;
  read(): tf.Variable;
  write(value: tf.Tensor): void;
}

/** The part of a tfjs-layers Dense layer that LoRA uses. */
interface DenseLayer {
  readonly name: string;
  readonly weights: LayerWeight[];
  getClassName(): string;
  addWeight(name: string, shape: number[], dtype: 'float32', initializer: unknown, regularizer: undefined, trainable: boolean): LayerWeight;
  kernel?: LayerWeight;
}

/** One adapted Dense layer. */
export interface LoraLayer {
  /** The Dense layer's name. */
  readonly layer: string;
  /** Its kernel param (`dense_1/kernel`), `[inputs, outputs]`. */
  readonly kernel: string;
  /** The kernel's input size (its rows). */
  readonly inputs: number;
  /** The kernel's output size (its columns, the layer's units). */
  readonly outputs: number;
}

/** A model with LoRA adapters: only the adapters train. Call `dispose` when done. */
export interface LoraModel {
  /** r, the adapters' rank. */
  readonly rank: number;
  /** α: the update is scaled by α / r. */
  readonly alpha: number;
  /** The adapted layers, in model order. */
  readonly layers: readonly LoraLayer[];
  /** Elements of all adapters: the parameters that train, r·(in + out) per layer. */
  readonly trainableParamCount: number;
  /**
   * The runner's LayersModel with the adapters in its forward pass: `predict` runs the adapted
   * model. Its adapted kernels read as W + (α / r)·A·B, a new tensor each read: take weights
   * through `adapters()` and `merge()`, not `getWeights()`.
   */
  readonly layersModel: tfl.LayersModel;
  /** Trains the adapters on `data` (core's `fit`: `epochs`, `optimizer`, `loss`, `onEpoch`, `onBatch`); the mean loss of each epoch. */
  fit(data: BatchData, options: FitOptions): Promise<number[]>;
  /** The adapters now, as plain host tensors in Keras orientation. */
  adapters(): Promise<LoraAdapters>;
  /** The base model with W + (α / r)·A·B folded into each adapted kernel: same topology and names, loadable by stock tfjs. */
  merge(): Promise<Model>;
  /** Frees the model and its adapters. */
  dispose(): void;
}

/**
 * Adds LoRA adapters of rank r to the Dense kernels `options` selects (`include`, `exclude`,
 * `roles`; `dense-kernel` params by default): A `[in, r]` from a seeded Gaussian and B `[r, out]`
 * zero, so at first the adapted model computes exactly what `model` does. Every other weight is
 * frozen; the adapted kernel is read as W + (α / r)·A·B, so training moves only A and B.
 * Layers that update state while training (BatchNormalization's moving statistics) still do.
 *
 * @example
 * ```ts
 * const lora = await addLora(model, { rank: 4, alpha: 8, include: ['dense_1/*'], seed: 1 });
 * try {
 *   await lora.fit(batches, { epochs: 3, optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
 *   await saveLoraAdapters('adapter.safetensors', await lora.adapters());
 *   model = await lora.merge();
 * } finally {
 *   lora.dispose();
 * }
 * ```
 */
export async function addLora(model: Model, options: LoraOptions): Promise<LoraModel> {
  const given = options.adapters;
  const rank = given?.rank ?? options.rank;
  const alpha = given?.alpha ?? options.alpha ?? rank;
  checkLoraScale(rank, alpha, 'options');
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new WhittleError('invalid-argument', `seed must be an integer, got ${String(seed)}`, { field: 'seed' });
  const deviation = options.initialStandardDeviation ?? 1 / rank!;
  if (!(Number.isFinite(deviation) && deviation > 0)) {
    throw new WhittleError('invalid-argument', `initialStandardDeviation must be a positive number, got ${String(deviation)}`, { field: 'initialStandardDeviation' });
  }
  const layers = given === undefined ? selectLayers(model, options, rank!) : checkAdapters(model, given, 'adapters');
  const scale = alpha! / rank!;
  // The runner (and tfjs-layers under it) loads only when LoRA is used, so the rest of this package works without them.
  const { loadTrainable } = await loadRunner('LoRA', { field: 'model' });
  const trainable = await loadTrainable(model);
  const adapted: { layer: LoraLayer; kernel: LayerWeight; baseRead: () => tf.Variable; a: LayerWeight; b: LayerWeight }[] = [];
  try {
    freeze(trainable.layersModel as unknown as FreezableLayer);
    for (const [index, layer] of layers.entries()) {
      const dense = findDense(trainable, layer);
      const kernel = dense.kernel!;
      const adapter = given?.layers[index];
      const a = addAdapterWeight(dense, 'lora_A', [layer.inputs, rank!], adapter?.a.data ?? seededGaussian(layer.inputs * rank!, deviation, seed + index));
      const b = addAdapterWeight(dense, 'lora_B', [rank!, layer.outputs], adapter?.b.data);
      const baseRead = kernel.read.bind(kernel);
      // Dense reads its kernel once per call; reading W + (α/r)·A·B there puts the adapters in the
      // forward pass (inside tfjs's tidy and gradient tape) without changing the topology.
      kernel.read = () => tf.add(baseRead(), tf.mul(tf.matMul(a.read(), b.read()), scale)) as tf.Variable;
      adapted.push({ layer, kernel, baseRead, a, b });
    }
  } catch (error) {
    trainable.dispose();
    throw error;
  }
  let disposed = false;
  const check = (): void => {
    if (disposed) throw new WhittleError('invalid-argument', 'the LoRA model was disposed', { field: 'lora' });
  };
  return {
    rank: rank!,
    alpha: alpha!,
    layers: adapted.map((entry) => entry.layer),
    trainableParamCount: layers.reduce((total, layer) => total + rank! * (layer.inputs + layer.outputs), 0),
    layersModel: trainable.layersModel,
    fit(data, fitOptions) {
      check();
      return trainable.fit(data, fitOptions);
    },
    async adapters() {
      check();
      const result: LoraLayerAdapter[] = [];
      for (const entry of adapted) {
        result.push({ layer: entry.layer.layer, a: (await fromTensor(entry.a.read())) as HostTensor<'float32'>, b: (await fromTensor(entry.b.read())) as HostTensor<'float32'> });
      }
      return { rank: rank!, alpha: alpha!, layers: result };
    },
    async merge() {
      check();
      const updates = new Map<string, Encoding>();
      for (const entry of adapted) {
        // The same operations as the adapted forward pass, so the merged kernel is the one it used.
        const merged = tf.tidy(() => tf.add(entry.baseRead(), tf.mul(tf.matMul(entry.a.read(), entry.b.read()), scale)));
        try {
          updates.set(entry.layer.kernel, denseEncoding(await fromTensor(merged)));
        } finally {
          merged.dispose();
        }
      }
      return replaceParams(model, updates);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      trainable.dispose();
    },
  };
}

function selectLayers(model: Model, options: LoraOptions, rank: number): LoraLayer[] {
  for (const [index, role] of (options.roles ?? []).entries()) {
    if (role !== 'dense-kernel') throw new WhittleError('invalid-argument', `LoRA adapts Dense kernels only, not ${JSON.stringify(role)} params`, { field: `roles[${index}]` });
  }
  const selected = compileFilter(options, ['dense-kernel']);
  const layers = [...model.params.values()].filter(selected).map((param) => loraLayer(param, rank));
  if (layers.length === 0) throw new WhittleError('invalid-argument', 'no Dense kernel matches the filter', { field: 'include' });
  return layers;
}

function loraLayer(param: Param, rank: number): LoraLayer {
  const field = `params[${JSON.stringify(param.name)}]`;
  if (param.shape.length !== 2) throw new WhittleError('invalid-model', `a Dense kernel must be 2-D, got shape [${param.shape.join(', ')}]`, { field });
  const [inputs, outputs] = param.shape as [number, number];
  if (rank > Math.min(inputs, outputs)) {
    throw new WhittleError('invalid-argument', `rank ${rank} exceeds min(in, out) = ${Math.min(inputs, outputs)} of ${param.name}`, { field: 'rank' });
  }
  const layer = param.layer ?? param.name.slice(0, param.name.lastIndexOf('/'));
  return { layer, kernel: param.name, inputs, outputs };
}

function findDense(trainable: Trainable, layer: LoraLayer): DenseLayer {
  const field = `layers[${JSON.stringify(layer.layer)}]`;
  let found: DenseLayer;
  try {
    found = trainable.layersModel.getLayer(layer.layer) as unknown as DenseLayer;
  } catch (error) {
    throw new WhittleError('invalid-model', 'no top-level layer of the model has this name', { field }, { cause: error });
  }
  if (found.getClassName() !== 'Dense' || found.kernel === undefined || found.kernel.originalName !== layer.kernel) {
    throw new WhittleError('invalid-model', `LoRA adapts Dense layers only, got ${found.getClassName()} holding ${layer.kernel}`, { field });
  }
  return found;
}

/** The part of a tfjs-layers layer or nested model that freezing uses. */
interface FreezableLayer {
  readonly layers?: readonly FreezableLayer[];
  _trainableWeights: LayerWeight[];
  _nonTrainableWeights: LayerWeight[];
}

/**
 * Makes every weight of `layer` non-trainable. The weights move to the non-trainable list rather
 * than being flagged: tfjs-layers sets the flag of every listed weight back to `true` when a
 * Sequential model is built for training.
 */
function freeze(layer: FreezableLayer): void {
  for (const inner of layer.layers ?? []) freeze(inner);
  if (layer._trainableWeights.length === 0) return;
  for (const weight of layer._trainableWeights) weight.trainable = false;
  layer._nonTrainableWeights = [...layer._trainableWeights, ...layer._nonTrainableWeights];
  layer._trainableWeights = [];
}

function addAdapterWeight(layer: DenseLayer, name: string, shape: [number, number], values: Float32Array | undefined): LayerWeight {
  const zeros = { apply: (weightShape: number[]) => tf.zeros(weightShape) };
  const weight = layer.addWeight(`${layer.name}/${name}`, shape, 'float32', zeros, undefined, true);
  if (values !== undefined) {
    const value = tf.tensor(values, shape, 'float32');
    try {
      weight.write(value);
    } finally {
      value.dispose();
    }
  }
  return weight;
}
