/**
 * The runner's engine for Keras models: a tfjs-layers LayersModel loaded through whittle's
 * IOHandler, so every encoding runs as the dense weights it decodes to.
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { WhittleError } from '../errors.ts';
import type { CaptureTarget, ModelEngine } from './model-engine.ts';

/**
 * A {@link ModelEngine} over a LayersModel. Layers are found by layer name or by the name of a
 * param they own (`dense_1/kernel`); a layer shared between several calls has no single input
 * and is refused.
 *
 * @example
 * ```ts
 * const engine = layersEngine(await tfl.loadLayersModel(whittleIOHandler(model)));
 * ```
 */
export function layersEngine(layersModel: tfl.LayersModel): ModelEngine {
  const captureModels = new Map<string, tfl.LayersModel>();
  return {
    kind: 'layers',
    inputs: layersModel.inputs.map((input) => ({ name: input.name, shape: input.shape })),
    run: (inputs) => asList(layersModel.predict(feed(inputs), { batchSize: batchOf(inputs) })),
    resolve: (names) => names.map((name) => ({ requested: name, layer: findLayer(layersModel, name).name })),
    capture: (inputs, targets) => {
      const key = JSON.stringify(targets.map(({ layer }) => layer));
      let captureModel = captureModels.get(key);
      if (captureModel === undefined) {
        // The capture model shares the layers (and weights) of the model; it is never disposed,
        // which would free them.
        captureModel = tfl.model({ inputs: layersModel.inputs, outputs: targets.map(({ layer }) => layerInput(layersModel.getLayer(layer))) });
        captureModels.set(key, captureModel);
      }
      return asList(captureModel.predict(feed(inputs), { batchSize: batchOf(inputs) }));
    },
    dispose: () => layersModel.dispose(),
  };
}

function feed(inputs: readonly tf.Tensor[]): tf.Tensor | tf.Tensor[] {
  return inputs.length === 1 ? inputs[0]! : [...inputs];
}

function batchOf(inputs: readonly tf.Tensor[]): number {
  // One call per batch: the caller chose the batch size, and tfjs must not split it again.
  return Math.max(1, inputs[0]?.shape[0] ?? 1);
}

function asList(outputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(outputs) ? outputs : [outputs];
}

function findLayer(layersModel: tfl.LayersModel, name: string): tfl.layers.Layer {
  const byName = layersModel.layers.find((layer) => layer.name === name);
  if (byName !== undefined) return byName;
  const owner = layersModel.layers.find((layer) => layer.weights.some((weight) => weight.originalName === name));
  if (owner !== undefined) return owner;
  throw new WhittleError('invalid-argument', `the model has no layer or param named ${JSON.stringify(name)}`, { field: 'layers' });
}

function layerInput(layer: tfl.layers.Layer): tfl.SymbolicTensor {
  let input: tfl.SymbolicTensor | tfl.SymbolicTensor[];
  try {
    input = layer.input;
  } catch (error) {
    throw new WhittleError('invalid-argument', `layer ${JSON.stringify(layer.name)} is called more than once, so it has no single input to capture`, { field: 'layers' }, { cause: error });
  }
  if (Array.isArray(input)) {
    if (input.length !== 1) {
      throw new WhittleError('invalid-argument', `layer ${JSON.stringify(layer.name)} takes ${input.length} inputs; only single-input layers can be captured`, { field: 'layers' });
    }
    return input[0]!;
  }
  return input;
}
