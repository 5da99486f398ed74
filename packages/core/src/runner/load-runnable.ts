/**
 * Loading a whittle Model onto the current tfjs backend, as tfjs-layers or tfjs-converter runs it.
 */
import * as tfconverter from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { installChainedOps } from '../backend/chained-ops.ts';
import { WhittleError, isWhittleError } from '../errors.ts';
import { toModelArtifacts } from '../formats/tfjs/io-handler.ts';
import { modelJsonFields } from '../formats/tfjs/model-json-fields.ts';
import type { Model } from '../model/types.ts';
import { graphEngine } from './graph-engine.ts';
import { layersEngine } from './layers-engine.ts';
import { createRunnable, type Runnable } from './runnable.ts';

/** Options of {@link loadRunnable}. */
export interface LoadRunnableOptions {
  /**
   * How to run the model: `layers` (tfjs-layers, a Keras topology) or `graph` (tfjs-converter, a
   * GraphDef). By default, what the model's topology is.
   */
  readonly kind?: 'layers' | 'graph';
}

/**
 * Loads a whittle Model on the current tfjs backend: its params decoded from whatever encoding
 * they have (so a compressed model runs as what it decodes to) and uploaded once. A Keras
 * topology runs as a tfjs-layers LayersModel, a GraphDef as a tfjs-converter GraphModel. A model
 * without a topology (a bare checkpoint) cannot run: it is refused with an `invalid-model` error.
 *
 * @example
 * ```ts
 * const runnable = await loadRunnable(model);
 * try {
 *   const accuracy = await runnable.evaluate([{ inputs: images, targets: labels }], 'accuracy');
 * } finally {
 *   runnable.dispose();
 * }
 * ```
 */
export async function loadRunnable(model: Model, options: LoadRunnableOptions = {}): Promise<Runnable> {
  const kind = options.kind ?? runnableKind(model);
  if (kind === 'graph') return createRunnable(graphEngine(loadGraph(model), modelJsonFields(model).modelTopology));
  return createRunnable(layersEngine(await loadLayers(model)));
}

/**
 * The way `model` runs: `layers` for a Keras topology, `graph` for a GraphDef; an `invalid-model`
 * WhittleError for a model with neither.
 *
 * @example
 * ```ts
 * runnableKind(await readTfjsModelFile('model/model.json')); // 'layers'
 * ```
 */
export function runnableKind(model: Model): 'layers' | 'graph' {
  const fields = modelJsonFields(model);
  const topology = fields.modelTopology;
  if (typeof topology !== 'object' || topology === null) {
    throw new WhittleError(
      'invalid-model',
      `a ${model.format} model without a topology (a bare checkpoint) cannot run: it holds weights but not the layers that use them`,
      { field: 'topology' },
    );
  }
  if (fields.format === 'graph-model' || Array.isArray((topology as { node?: unknown }).node)) return 'graph';
  return 'layers';
}

/**
 * A tfjs-layers LayersModel of `model` (a Keras topology), its weights the decoded params. The
 * model is built, then its weights set, each step undone if it fails, so a topology or weights
 * that tfjs refuses leave no tensor behind.
 *
 * @example
 * ```ts
 * const layersModel = await loadLayers(model);
 * ```
 */
export async function loadLayers(model: Model): Promise<tfl.LayersModel> {
  if (runnableKind(model) !== 'layers') {
    throw new WhittleError('invalid-model', 'the model is a TensorFlow graph; only a Keras (layers) model has a trainable form', { field: 'topology' });
  }
  const artifacts = toModelArtifacts(model);
  // tfjs-layers' initializers (Orthogonal, LSTM's and GRU's default) call chained tensor methods.
  installChainedOps();
  const variables = new Set(Object.keys(tf.engine().registeredVariables));
  let layersModel: tfl.LayersModel;
  try {
    // Building runs synchronously inside this call (tfjs awaits only to fetch weights, and none
    // are given), so the variables registered since the snapshot are this model's alone. The
    // initializers run once here: tfjs's way of skipping them is internal to its own loader.
    layersModel = await tfl.models.modelFromJSON({ modelTopology: artifacts.modelTopology as never });
  } catch (error) {
    for (const [name, variable] of Object.entries(tf.engine().registeredVariables)) if (!variables.has(name)) variable.dispose();
    throw loadError(error);
  }
  const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  try {
    layersModel.loadWeights(weights, true);
  } catch (error) {
    layersModel.dispose();
    throw loadError(error);
  } finally {
    tf.dispose(Object.values(weights));
  }
  return layersModel;
}

/** A tfjs-converter GraphModel of `model` (a GraphDef); a graph tfjs refuses leaves no tensor behind. */
function loadGraph(model: Model): tfconverter.GraphModel {
  const decoded: tf.NamedTensorMap[] = [];
  // The converter decodes the weights through the io it is given: this one remembers them, so
  // they can be freed when the graph cannot be built.
  const io = { ...tf.io, decodeWeights: (...args: Parameters<typeof tf.io.decodeWeights>) => (decoded.push(tf.io.decodeWeights(...args)), decoded.at(-1)!) };
  const artifacts = toModelArtifacts(model);
  const graphModel = new tfconverter.GraphModel({ load: async () => artifacts }, {}, io as typeof tf.io);
  try {
    graphModel.loadSync(artifacts);
  } catch (error) {
    for (const weights of decoded) tf.dispose(Object.values(weights));
    throw loadError(error);
  }
  return graphModel;
}

function loadError(error: unknown): unknown {
  if (isWhittleError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new WhittleError('invalid-model', `tfjs cannot load the model: ${message}`, { field: 'topology' }, { cause: error });
}
