/**
 * Running each layer of a LayersModel alone on a tensor of its input shape: the shapes of its
 * outputs, and its median time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { producers } from '../graph/graph-queries.ts';
import type { ModelGraph } from '../graph/types.ts';
import type { RunnerEntry } from '../recipe/load-runner.ts';
import { medianMilliseconds } from './median-milliseconds.ts';

/**
 * A tfjs-layers LayersModel, named through the runner's types: only the runner's folder imports
 * tfjs-layers (an optional peer), so this entry loads without it.
 */
type LayersModel = Awaited<ReturnType<RunnerEntry['loadTrainable']>>['layersModel'];
type Layer = ReturnType<LayersModel['getLayer']>;

/** What running one layer alone showed. */
export interface LayerRun {
  /** The input shapes it was run on; null where a producer's output is not known. */
  readonly inputShapes: readonly (readonly number[])[] | null;
  readonly outputShapes: readonly (readonly number[])[] | null;
  readonly milliseconds: number | null;
  /** Why a field is null. */
  readonly notes: readonly string[];
}

/** How to time the layers: null for no timing. */
export interface LayerTiming {
  readonly runs: number;
  readonly warmup: number;
}

/**
 * Runs every node of `graph` (a Keras graph of `layersModel`) in `order` alone: each layer is
 * applied to zero tensors of the shapes its producers gave, starting from `inputShapes` (by
 * input layer name), and timed when `timing` is given. A layer tfjs cannot run alone (a wrapper
 * over several calls, kwargs it needs) is noted, and the layers after it that depend on its
 * shape are noted too. Every tensor made is freed.
 *
 * @example
 * ```ts
 * const runs = await runLayers(layersModel, graph, topologicalOrder(graph), new Map([['input', [1, 784]]]), { runs: 10, warmup: 2 });
 * runs.get('dense')!.outputShapes; // [[1, 128]]
 * ```
 */
export async function runLayers(
  layersModel: LayersModel,
  graph: ModelGraph,
  order: readonly string[],
  inputShapes: ReadonlyMap<string, readonly number[]>,
  timing: LayerTiming | null,
): Promise<Map<string, LayerRun>> {
  const runs = new Map<string, LayerRun>();
  for (const name of order) {
    const given = inputShapes.get(name);
    if (given !== undefined) {
      // An input layer passes its input through: nothing to run or time.
      runs.set(name, { inputShapes: [given], outputShapes: [given], milliseconds: 0, notes: [] });
      continue;
    }
    const shapes: (readonly number[])[] = [];
    for (const edge of producers(graph, name)) {
      if (edge.control === true) continue;
      const shape = runs.get(edge.from)?.outputShapes?.[edge.output];
      if (shape === undefined) {
        // The note names no layer, so one cause noted on many layers reads as one line.
        runs.set(name, { inputShapes: null, outputShapes: null, milliseconds: null, notes: ['shapes: an input comes from a layer whose output is not known'] });
        break;
      }
      shapes.push(shape);
    }
    if (runs.has(name)) continue;
    runs.set(name, await runLayer(layersModel, name, shapes, timing));
  }
  return runs;
}

async function runLayer(layersModel: LayersModel, name: string, shapes: readonly (readonly number[])[], timing: LayerTiming | null): Promise<LayerRun> {
  let layer: Layer;
  try {
    layer = layersModel.getLayer(name);
  } catch {
    return { inputShapes: shapes, outputShapes: null, milliseconds: null, notes: ['shapes: the loaded model has no layer of this name'] };
  }
  const inputs = shapes.map((shape) => tf.zeros([...shape]));
  // tidy frees whatever the layer makes on the way and keeps only its outputs.
  const apply = (): tf.Tensor[] =>
    tf.tidy(() => {
      const output = layer.apply(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor | tf.Tensor[];
      return Array.isArray(output) ? output : [output];
    });
  try {
    let outputShapes: number[][];
    try {
      const outputs = apply();
      outputShapes = outputs.map((output) => [...output.shape]);
      tf.dispose(outputs);
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      return { inputShapes: shapes, outputShapes: null, milliseconds: null, notes: [`shapes: tfjs cannot run the layer alone (${message.slice(0, 200)})`] };
    }
    if (timing === null) return { inputShapes: shapes, outputShapes, milliseconds: null, notes: [] };
    const milliseconds = await medianMilliseconds(
      async () => {
        const outputs = apply();
        try {
          // Reading the outputs back waits for the backend to finish them.
          await Promise.all(outputs.map((output) => output.data()));
        } finally {
          tf.dispose(outputs);
        }
      },
      timing.runs,
      timing.warmup,
    );
    return { inputShapes: shapes, outputShapes, milliseconds, notes: [] };
  } finally {
    tf.dispose(inputs);
  }
}
