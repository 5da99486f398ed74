/**
 * A model in trainable form: a tfjs-layers LayersModel whose weights are the params, for
 * fine-tuning and distillation, and the way back to a whittle Model.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { denseEncoding } from '../encoding/dense.ts';
import { registerConvolutionGradients } from '../backend/convolution-gradients.ts';
import { decode } from '../encoding/decode.ts';
import type { Encoding } from '../encoding/types.ts';
import { WhittleError, isWhittleError } from '../errors.ts';
import { replaceParams } from '../model/replace-params.ts';
import type { Model } from '../model/types.ts';
import { toFloat32, type HostTensor } from '../tensor/host-tensor.ts';
import { fromTensor } from '../tensor/tfjs-tensor.ts';
import { batchSize, batchTensors, readBatches, type BatchData } from './batch-data.ts';
import { loadLayers } from './load-runnable.ts';

/** Options of {@link Trainable.fit}. */
export interface FitOptions {
  /** Passes over the data (default 1). */
  readonly epochs?: number;
  /** The optimizer; the caller owns it (and its state, such as Adam's moments) and disposes it. */
  readonly optimizer: tf.Optimizer;
  /** A tfjs-layers loss name (`meanSquaredError`, `categoricalCrossentropy`, …) or a loss function `(targets, outputs) => loss`. */
  readonly loss: string | ((targets: tf.Tensor, outputs: tf.Tensor) => tf.Tensor);
  /** Called after each epoch with its number (from 1) and mean loss over its batches. */
  readonly onEpoch?: (epoch: number, loss: number) => void;
  /**
   * Called after each batch's optimizer step, and awaited before the next batch, with the number
   * of batches trained so far in this `fit` (from 1, counting on across epochs) and the batch's
   * loss: the place to constrain the weights between steps (pruning masks, clipping).
   */
  readonly onBatch?: (step: number, loss: number) => void | Promise<void>;
}

/** A model being trained. Call `dispose` when done. */
export interface Trainable {
  /** The LayersModel whose weights are the params; train it with `fit` or with tfjs-layers directly. */
  readonly layersModel: tfl.LayersModel;
  /** Trains on `data` (every batch with targets) for `epochs` passes; the mean loss of each epoch. */
  fit(data: BatchData, options: FitOptions): Promise<number[]>;
  /**
   * The model with the trained weights: same names, roles and topology. A param training changed
   * is dense float32; one it left unchanged keeps its encoding.
   */
  toModel(): Promise<Model>;
  /** Frees the weights. */
  dispose(): void;
}

/**
 * The trainable form of a Keras model: a tfjs-layers LayersModel on the current backend whose
 * weights start as the decoded params.
 *
 * @example
 * ```ts
 * const trainable = await loadTrainable(model);
 * try {
 *   await trainable.fit(batches, { epochs: 2, optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
 *   model = await trainable.toModel();
 * } finally {
 *   trainable.dispose();
 * }
 * ```
 */
export async function loadTrainable(model: Model): Promise<Trainable> {
  const layersModel = await loadLayers(model);
  let disposed = false;
  const check = (): void => {
    if (disposed) throw new WhittleError('invalid-argument', 'the trainable model was disposed', { field: 'trainable' });
  };
  return {
    layersModel,
    async fit(data, options) {
      check();
      const epochs = options.epochs ?? 1;
      if (!Number.isSafeInteger(epochs) || epochs < 1) throw new WhittleError('invalid-argument', `epochs must be a positive integer, got ${String(epochs)}`, { field: 'epochs' });
      if (!(options.optimizer instanceof tf.Optimizer)) throw new WhittleError('invalid-argument', 'optimizer must be a tfjs optimizer (tf.train.adam(…))', { field: 'optimizer' });
      // tfjs-layers may have registered tfjs's gradients again as it loaded, over Conv2D's wasm one.
      registerConvolutionGradients();
      try {
        layersModel.compile({ optimizer: options.optimizer, loss: options.loss as never });
      } catch (error) {
        // tfjs-layers refuses an unknown loss name with its own ValueError.
        const message = error instanceof Error ? error.message : String(error);
        throw new WhittleError('invalid-argument', `the model cannot train with this loss: ${message}`, { field: 'loss' }, { cause: error });
      }
      const losses: number[] = [];
      let step = 0;
      for (let epoch = 1; epoch <= epochs; epoch++) {
        let sum = 0;
        let batches = 0;
        for await (const batch of readBatches(data)) {
          const field = `data[${batches}]`;
          if (batch.targets === undefined) throw new WhittleError('invalid-argument', 'training needs targets in every batch', { field: `${field}.targets` });
          const owned: tf.Tensor[] = [];
          let batchLoss: number;
          try {
            const inputs = batchTensors(batch.inputs, owned, `${field}.inputs`);
            const targets = batchTensors(batch.targets, owned, `${field}.targets`);
            batchSize(inputs, `${field}.inputs`);
            const loss = await training(field, () => layersModel.trainOnBatch(inputs.length === 1 ? inputs[0]! : inputs, targets.length === 1 ? targets[0]! : targets));
            batchLoss = Array.isArray(loss) ? loss[0]! : loss;
          } finally {
            tf.dispose(owned);
          }
          sum += batchLoss;
          batches++;
          step++;
          await options.onBatch?.(step, batchLoss);
        }
        if (batches === 0) throw new WhittleError('invalid-argument', 'there are no batches to train on', { field: 'data' });
        losses.push(sum / batches);
        options.onEpoch?.(epoch, sum / batches);
      }
      return losses;
    },
    async toModel() {
      check();
      const updates = new Map<string, Encoding>();
      for (const weight of layersModel.weights) {
        const param = model.params.get(weight.originalName);
        if (param === undefined) continue;
        const trained = await fromTensor(weight.read());
        if (!sameValues(trained, decode(param.value))) updates.set(param.name, denseEncoding(trained));
      }
      return replaceParams(model, updates);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      layersModel.dispose();
    },
  };
}

async function training<Value>(field: string, train: () => Promise<Value>): Promise<Value> {
  try {
    return await train();
  } catch (error) {
    if (isWhittleError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new WhittleError('invalid-argument', `the model cannot train on this batch: ${message}`, { field }, { cause: error });
  }
}

/** Bit-for-bit equal data (so NaN equals NaN and 0 differs from -0: any change counts). */
function sameValues(left: HostTensor, original: HostTensor): boolean {
  // The loaded weight is what the param decodes to, widened to float32 where tfjs computes in it.
  const right = left.dtype === 'float32' ? toFloat32(original) : original;
  if (left.data.length !== right.data.length) return false;
  if (left.dtype === 'float32') {
    const a = new Uint32Array(left.data.buffer, left.data.byteOffset, left.data.length);
    const b = new Uint32Array(right.data.buffer, right.data.byteOffset, right.data.length);
    for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
    return true;
  }
  for (let index = 0; index < left.data.length; index++) if (Number(left.data[index]) !== Number(right.data[index])) return false;
  return true;
}
