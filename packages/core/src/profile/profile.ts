/**
 * Where a model spends its parameters, bytes, multiply-adds, activation memory and time, layer
 * by layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../backend/use-backend.ts';
import { WhittleError } from '../errors.ts';
import { topologicalOrder } from '../graph/graph-queries.ts';
import { readModelGraph } from '../graph/read-model-graph.ts';
import type { ModelGraph } from '../graph/types.ts';
import type { Model, Param } from '../model/types.ts';
import { loadRunner, type RunnerEntry } from '../recipe/load-runner.ts';
import { describeValue } from '../tensor/shape.ts';
import { peakActivationBytes } from './activation-memory.ts';
import { resolveInputShapes } from './input-shapes.ts';
import { layerFlops } from './layer-flops.ts';
import { COUNTED_GRAPH_OPS, graphOpFlops } from './graph-op-flops.ts';
import { groupCheckpointParams, paramsByNode, sizeParams } from './layer-params.ts';
import { runLayers, type LayerRun } from './layer-runs.ts';
import { medianMilliseconds } from './median-milliseconds.ts';
import { resolveProfileOptions, type ResolvedProfileOptions } from './profile-options.ts';
import type { LayerProfile, ModelProfile, ProfileOptions, ProfileTotals } from './types.ts';

/** A layer before its shares of the totals are known. */
type LayerCounts = Omit<LayerProfile, 'shares'>;

const CHECKPOINT_NOTE = 'a bare checkpoint holds weights but no layers to run: multiply-adds, activations and times are not known';
const GRAPH_TIME_NOTE = 'milliseconds: graph nodes are not timed alone; see the whole model';
const UNBOUND_NOTE = 'no layer of the graph uses these params';

/**
 * Profiles `model` layer by layer (graph node by node): params, bytes as stored (a quantized or
 * pruned param counts its real bytes), multiply-adds for the input shape (see `layerFlops`),
 * output activation bytes (float32) and the peak alive along the topological order, and the
 * median time of each layer run alone on a tensor of its input shape, next to the whole model's
 * median time through the runner; totals and each layer's share of them.
 *
 * A Keras (tfjs-layers) model gets every column; a TensorFlow graph gets params, bytes and the
 * multiply-adds of its MatMul and convolution ops per node, and the whole model's time; a bare checkpoint (safetensors) gets params and bytes per
 * layer prefix, the rest null with the reason in `notes`. Running needs
 * `@whittle/core/runner`'s optional peers (tfjs-layers, tfjs-converter) and makes
 * `options.backend` (default `wasm`) the current tfjs backend. Bad options are an
 * `invalid-argument` WhittleError naming the field; no tensor is left behind.
 *
 * @example
 * ```ts
 * const result = await profile(model, { inputShape: [1, 28, 28, 1], backend: 'wasm', runs: 20 });
 * for (const layer of result.layers) console.log(layer.name, layer.params, layer.flops, layer.milliseconds);
 * console.log(result.totals.layerMilliseconds, result.totals.modelMilliseconds);
 * ```
 */
export async function profile(model: Model, options?: ProfileOptions): Promise<ModelProfile> {
  if (typeof model !== 'object' || model === null || !(model.params instanceof Map)) {
    throw new WhittleError('invalid-argument', `expected a whittle Model, got ${describeValue(model)}`, { field: 'model' });
  }
  const resolved = resolveProfileOptions(options);
  const hasGraph = (model.format === 'tfjs-layers' || model.format === 'tfjs-graph') && typeof model.topology === 'object' && model.topology !== null;
  if (!hasGraph) return checkpointProfile(model, resolved);
  const graph = readModelGraph(model);
  const runner = await loadRunner('profiling a model', { field: 'model' });
  await useBackend(resolved.backend);
  return graph.format === 'keras' ? await kerasProfile(model, graph, runner, resolved) : await graphDefProfile(model, graph, runner, resolved);
}

function checkpointProfile(model: Model, options: ResolvedProfileOptions): ModelProfile {
  const layers = [...groupCheckpointParams(model)].map(([name, params]): LayerCounts => ({
    name,
    type: 'params',
    ...sizeParams(params),
    outputShapes: null,
    flops: null,
    activationBytes: null,
    milliseconds: null,
    notes: [],
  }));
  return finish(model, null, null, options, layers, { peakActivationBytes: null, modelMilliseconds: null }, [CHECKPOINT_NOTE]);
}

async function kerasProfile(model: Model, graph: ModelGraph, runner: RunnerEntry, options: ResolvedProfileOptions): Promise<ModelProfile> {
  const order = topologicalOrder(graph);
  const trainable = await runner.loadTrainable(model);
  let inputShapes: number[][];
  let runs: Map<string, LayerRun>;
  try {
    const layersModel = trainable.layersModel;
    inputShapes = resolveInputShapes(layersModel.inputs.map((input) => ({ name: input.name, shape: input.shape })), options.inputShape);
    // A Sequential model's input layer is implicit in its topology: the graph names it, but the
    // rebuilt model lists no input layers, so inputs pair up with input nodes by position.
    const inputNodes = graph.inputs.length > 0 ? graph.inputs : graph.nodes.filter((node) => node.op === 'InputLayer').map((node) => node.name);
    const names = layersModel.inputs.map((input, at) => {
      const layer = layersModel.inputLayers[at]?.name;
      return layer !== undefined && inputNodes.includes(layer) ? layer : inputNodes[at] ?? input.name;
    });
    const byName = new Map(names.map((name, at) => [name, inputShapes[at]!]));
    runs = await runLayers(layersModel, graph, order, byName, options.latency ? { runs: options.runs, warmup: options.warmup } : null);
  } finally {
    trainable.dispose();
  }
  const { owned, unbound } = paramsByNode(model, graph);
  const nodes = new Map(graph.nodes.map((node) => [node.name, node]));
  const layers = order.map((name): LayerCounts => {
    const node = nodes.get(name)!;
    const run = runs.get(name)!;
    const notes = [...run.notes];
    let flops: number | null = null;
    if (run.inputShapes !== null) {
      const counted = layerFlops(node.op, node.attributes, run.inputShapes);
      flops = counted.flops;
      if (counted.reason !== undefined) notes.push(`flops: ${counted.reason}`);
    }
    return {
      name,
      type: node.op,
      ...sizeParams(owned.get(name) ?? []),
      outputShapes: run.outputShapes,
      flops,
      activationBytes: outputBytes(run.outputShapes),
      milliseconds: run.milliseconds,
      notes,
    };
  });
  layers.push(...unboundRows(unbound));
  const peak = peakActivationBytes(graph, order, new Map(layers.map((layer) => [layer.name, layer.activationBytes])));
  const modelMilliseconds = options.latency ? await timeModel(model, runner, options, inputShapes) : null;
  return finish(model, options.latency ? options.backend : null, inputShapes, options, layers, { peakActivationBytes: peak, modelMilliseconds }, []);
}

async function graphDefProfile(model: Model, graph: ModelGraph, runner: RunnerEntry, options: ResolvedProfileOptions): Promise<ModelProfile> {
  const order = topologicalOrder(graph);
  const { owned, unbound } = paramsByNode(model, graph);
  const nodes = new Map(graph.nodes.map((node) => [node.name, node]));
  const counted = order.filter((name) => COUNTED_GRAPH_OPS.has(nodes.get(name)!.op));
  const runnable = await runner.loadRunnable(model);
  let inputShapes: number[][];
  const activations = new Map<string, number[]>();
  const notes: string[] = [];
  try {
    inputShapes = resolveInputShapes(runnable.inputs, options.inputShape);
    if (counted.length > 0) {
      // One run on zeros shows the activations each weight is multiplied with.
      const inputs = inputShapes.map((shape) => tf.zeros(shape));
      try {
        await runnable.captureInputs(counted, [{ inputs: inputs.length === 1 ? inputs[0]! : inputs }], ({ inputs: captured }) => {
          for (const [name, tensor] of captured) activations.set(name, [...tensor.shape]);
        });
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
        notes.push(`shapes: the graph could not be run to its ops' inputs (${message.slice(0, 200)})`);
      } finally {
        tf.dispose(inputs);
      }
    }
  } finally {
    runnable.dispose();
  }
  const layers = order
    // A constant's value is a weight, counted under the op that reads it.
    .filter((name) => nodes.get(name)!.op !== 'Const' || owned.has(name))
    .map((name): LayerCounts => {
      const node = nodes.get(name)!;
      const weight = node.params.find((binding) => binding.slot === 'b' || binding.slot === 'filter');
      const counted = graphOpFlops(node.op, node.attributes, activations.get(name), weight === undefined ? undefined : model.params.get(weight.param)?.shape);
      return {
        name,
        type: node.op,
        ...sizeParams(owned.get(name) ?? []),
        outputShapes: null,
        flops: counted.flops,
        activationBytes: null,
        milliseconds: null,
        notes: [...(counted.reason === undefined ? [] : [`flops: ${counted.reason}`]), GRAPH_TIME_NOTE],
      };
    });
  layers.push(...unboundRows(unbound));
  const modelMilliseconds = options.latency ? await timeModel(model, runner, options, inputShapes) : null;
  return finish(model, options.latency ? options.backend : null, inputShapes, options, layers, { peakActivationBytes: null, modelMilliseconds }, notes);
}

/** The whole model's median time through the runner, on zero inputs of `inputShapes`. */
async function timeModel(model: Model, runner: RunnerEntry, options: ResolvedProfileOptions, inputShapes: readonly number[][]): Promise<number> {
  const runnable = await runner.loadRunnable(model);
  const inputs = inputShapes.map((shape) => tf.zeros(shape));
  try {
    return await medianMilliseconds(
      async () => {
        const result = runnable.predict(inputs.length === 1 ? inputs[0]! : inputs);
        const outputs = Array.isArray(result) ? result : [result];
        try {
          await Promise.all(outputs.map((output) => output.data()));
        } finally {
          tf.dispose(outputs);
        }
      },
      options.runs,
      options.warmup,
    );
  } finally {
    tf.dispose(inputs);
    runnable.dispose();
  }
}

function unboundRows(unbound: readonly Param[]): LayerCounts[] {
  return [...unbound].map((param) => ({
    name: param.name,
    type: 'params',
    ...sizeParams([param]),
    outputShapes: null,
    flops: null,
    activationBytes: null,
    milliseconds: null,
    notes: [UNBOUND_NOTE],
  }));
}

function outputBytes(shapes: readonly (readonly number[])[] | null): number | null {
  if (shapes === null) return null;
  let total = 0;
  for (const shape of shapes) total += shape.reduce((product, extent) => product * extent, 1) * Float32Array.BYTES_PER_ELEMENT;
  return total;
}

function finish(
  model: Model,
  backend: ModelProfile['backend'],
  inputShapes: readonly number[][] | null,
  options: ResolvedProfileOptions,
  layers: readonly LayerCounts[],
  measured: Pick<ProfileTotals, 'peakActivationBytes' | 'modelMilliseconds'>,
  notes: readonly string[],
): ModelProfile {
  const totals: ProfileTotals = {
    params: sum(layers.map((layer) => layer.params))!,
    bytes: sum(layers.map((layer) => layer.bytes))!,
    flops: sum(layers.map((layer) => layer.flops)),
    activationBytes: sum(layers.map((layer) => layer.activationBytes)),
    peakActivationBytes: measured.peakActivationBytes,
    layerMilliseconds: sum(layers.map((layer) => layer.milliseconds)),
    modelMilliseconds: measured.modelMilliseconds,
  };
  return {
    format: model.format,
    backend,
    inputShapes,
    runs: options.runs,
    warmup: options.warmup,
    layers: layers.map((layer) => ({
      ...layer,
      shares: {
        params: share(layer.params, totals.params),
        bytes: share(layer.bytes, totals.bytes),
        flops: share(layer.flops, totals.flops),
        time: share(layer.milliseconds, totals.layerMilliseconds),
      },
    })),
    totals,
    notes,
  };
}

/** The sum of the known values; null when none is known. */
function sum(values: readonly (number | null)[]): number | null {
  let total: number | null = null;
  for (const value of values) if (value !== null) total = (total ?? 0) + value;
  return total;
}

function share(part: number | null, total: number | null): number | null {
  return part === null || total === null || total <= 0 ? null : part / total;
}
