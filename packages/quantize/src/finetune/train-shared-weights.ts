/**
 * Centroid fine-tuning (Deep Compression §3.3): a model whose weights share codebooks trains on
 * with every shared weight tied to its centroid, so the centroids learn and the indices stay.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { WhittleError, describeValue, isFloatDType, loadGradients, loadRunner, replaceParams, splitBatches, type Encoding, type Model, type TrainingLoss } from '@whittle/core';
import type { BatchData } from '@whittle/core/runner';
import { SharedWeightOptimizer, writeKernel, type SharedVariable } from './shared-weight-optimizer.ts';
import { sharedWeightsOf, withCentroids } from './shared-weights.ts';

/** Options of {@link trainSharedWeights}. */
export interface TrainSharedWeightsOptions {
  /** The params to train through their centroids; each must store a codebook (dense or as sparse values). */
  readonly shared: readonly string[];
  /** Batches of inputs with targets, read once per epoch. */
  readonly data: BatchData;
  /** Compares the model's outputs with the targets (see `TrainingLoss`). */
  readonly loss: TrainingLoss;
  /** Steps the centroids and the other trained params; the caller owns and disposes it. */
  readonly optimizer: tf.Optimizer;
  /** Passes over the data (default 1). */
  readonly epochs?: number;
  /** Rows per optimizer step: larger given batches are cut to it (default: the batches as given). */
  readonly batchSize?: number;
  /** Stops training between steps (the error is the signal's reason). */
  readonly signal?: AbortSignal;
  /** Called after each epoch with its number (from 1) and mean loss. */
  readonly onEpoch?: (epoch: number, loss: number) => void;
  /** Called after each optimizer step with its number (from 1) and the batch's loss. */
  readonly onBatch?: (step: number, loss: number) => void | Promise<void>;
}

/** What {@link trainSharedWeights} gives back. */
export interface SharedWeightsTraining {
  /** The model: shared params with trained centroids, other trained params dense float32. */
  readonly model: Model;
  /** The mean loss of each epoch. */
  readonly losses: readonly number[];
}

/**
 * Trains a Keras model (in its tfjs-layers form, on the current backend) whose `shared` params
 * store codebooks: each such weight is its centroid's value in every forward pass, the gradient
 * of a centroid is the sum of the gradients of the weights that share it, and the optimizer
 * steps the centroids. Indices never change, a sparse param's pruned elements stay +0, and a
 * centroid exactly 0 (pruned weights stored dense, CSR's zero fillers) stays 0: every weight
 * that is 0 before is 0 after. As in Deep
 * Compression, the rest of the network retrains too: every other param stored dense float32
 * (biases, layers left unshared) trains normally; params stored in any other encoding
 * (quantized, sparse, low-rank) stay as they are, so the result stores the same bytes as `model`.
 * Nothing in `model` changes.
 *
 * @example
 * ```ts
 * const optimizer = tf.train.adam(1e-4);
 * const { model: tuned } = await trainSharedWeights(shared, { shared: ['dense_1/kernel'], data, loss: 'categoricalCrossentropy', optimizer, epochs: 2 });
 * optimizer.dispose();
 * ```
 */
export async function trainSharedWeights(model: Model, options: TrainSharedWeightsOptions): Promise<SharedWeightsTraining> {
  const { signal } = options;
  const sharedWeights = options.shared.map((name) => {
    const param = model.params.get(name);
    const weights = param === undefined ? undefined : sharedWeightsOf(param);
    if (weights === undefined) {
      throw new WhittleError('invalid-argument', `${describeValue(name)} is not a param that stores a codebook`, { field: 'shared' });
    }
    return weights;
  });
  const runner = await loadRunner('fine-tuning', { field: 'model' });
  // tfjs-layers registers the gradients as it loads; a bundled app may have dropped them.
  await loadGradients();
  const data = options.batchSize === undefined ? options.data : splitBatches(options.data, options.batchSize);
  const trainable = await runner.loadTrainable(model);
  const variables: SharedVariable[] = [];
  try {
    for (const weights of sharedWeights) {
      const kernel = layerVariable(trainable.layersModel, weights.name);
      variables.push({
        weights,
        kernel,
        centroids: tf.variable(tf.tensor1d(weights.centroids, 'float32'), true),
        clusters: tf.tensor1d(weights.clusters, 'int32'),
      });
    }
    const sharedNames = new Set(options.shared);
    const trainedNames = new Set<string>();
    const trainedVariables = new Set<string>();
    for (const weight of trainable.layersModel.trainableWeights) {
      const param = model.params.get(weight.originalName);
      if (param === undefined || sharedNames.has(param.name) || !isDenseFloat32(param.value)) continue;
      trainedNames.add(param.name);
      trainedVariables.add((weight.read() as tf.Variable).name);
    }
    variables.forEach(writeKernel);
    const optimizer = new SharedWeightOptimizer(options.optimizer, variables, trainedVariables);
    signal?.throwIfAborted();
    const losses = await trainable.fit(data, {
      epochs: options.epochs ?? 1,
      optimizer,
      loss: options.loss,
      ...(options.onEpoch === undefined ? {} : { onEpoch: options.onEpoch }),
      onBatch: async (step, loss) => {
        signal?.throwIfAborted();
        await options.onBatch?.(step, loss);
      },
    });
    const updates = new Map<string, Encoding>();
    for (const variable of variables) {
      const centroids = (await variable.centroids.data()) as Float32Array;
      updates.set(variable.weights.name, withCentroids(model.params.get(variable.weights.name)!.value, centroids));
    }
    const trained = await trainable.toModel();
    for (const name of trainedNames) updates.set(name, trained.params.get(name)!.value);
    return { model: replaceParams(model, updates), losses };
  } finally {
    for (const variable of variables) tf.dispose([variable.centroids, variable.clusters]);
    trainable.dispose();
  }
}

/** The tfjs variable that holds the param named `name` (tfjs-layers names it as the param). */
function layerVariable(layersModel: tfl.LayersModel, name: string): tf.Variable {
  const weight = layersModel.weights.find((candidate) => candidate.originalName === name);
  if (weight === undefined || weight.dtype !== 'float32') {
    throw new WhittleError('invalid-argument', `${describeValue(name)} is not a float32 weight of the model's layers, so it cannot be trained`, { field: 'shared' });
  }
  return weight.read() as tf.Variable;
}

function isDenseFloat32(encoding: Encoding): boolean {
  return encoding.kind === 'dense' && isFloatDType(encoding.tensor.dtype) && encoding.tensor.dtype === 'float32';
}
