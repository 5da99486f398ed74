/**
 * Loading a whittle Model onto the current tfjs backend, as tfjs-layers or tfjs-converter runs it.
 */
import * as tfconverter from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';
import { WhittleError, isWhittleError } from '../errors.ts';
import { whittleIOHandler } from '../formats/tfjs/io-handler.ts';
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
  const handler = whittleIOHandler(model);
  if (kind === 'graph') {
    const graphModel = await loading(() => tfconverter.loadGraphModel(handler));
    return createRunnable(graphEngine(graphModel, modelJsonFields(model).modelTopology));
  }
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
 * A tfjs-layers LayersModel of `model` (a Keras topology), its weights the decoded params.
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
  return loading(() => tfl.loadLayersModel(whittleIOHandler(model)));
}

async function loading<Value>(load: () => Promise<Value>): Promise<Value> {
  try {
    return await load();
  } catch (error) {
    if (isWhittleError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new WhittleError('invalid-model', `tfjs cannot load the model: ${message}`, { field: 'topology' }, { cause: error });
  }
}
