import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compress,
  createModel,
  createRecipeRegistry,
  decode,
  decompress,
  denseEncoding,
  getParam,
  modelByteLength,
  useBackend,
  type Model,
  type RecipeStep,
} from '@whittle/core';
import { compressSafetensorsFile, openSafetensorsFile, readSafetensorsFile, writeSafetensorsFile } from '@whittle/core/fs';
import { readTfjsModel, writeTfjsArtifacts, type TfjsArtifacts } from '@whittle/core/tfjs';
import { unstructuredHandlers } from './handlers.ts';
import { magnitude } from './magnitude-step.ts';
import { nm } from './nm-step.ts';
import { referencePrune } from './test-models.test-support.ts';

const registry = createRecipeRegistry(unstructuredHandlers);
const valuesOf = (model: Model, name: string): number[] => Array.from(decode(getParam(model, name).value).data as Float32Array);

/** Seeded weights, roughly normal. */
function weights(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: count }, () => (next() + next() + next() - 1.5) * 0.2);
}

/** Artifacts in memory read back by whittle, through the JSON text a file would hold. */
function readArtifacts(artifacts: TfjsArtifacts): Promise<Model> {
  const shards = new Map(artifacts.shards.map((shard) => [shard.path, shard.bytes]));
  return readTfjsModel(JSON.stringify(artifacts.modelJson), async (path) => shards.get(path) ?? new Uint8Array(0));
}

/** Stock `tfl.loadLayersModel` over tfjs's own HTTP loader, its fetches served from `artifacts`. */
function loadStock(artifacts: TfjsArtifacts): Promise<tfl.LayersModel> {
  const base = 'http://whittle.test/model/';
  const files = new Map<string, string | Uint8Array>([['model.json', JSON.stringify(artifacts.modelJson)]]);
  for (const shard of artifacts.shards) files.set(shard.path, shard.bytes);
  const fetchFunc = async (input: RequestInfo | URL): Promise<Response> => {
    const body = files.get(String(input).slice(base.length));
    return body === undefined ? new Response(null, { status: 404 }) : new Response(body as BodyInit);
  };
  return tfl.loadLayersModel(tf.io.http(`${base}model.json`, { fetchFunc: fetchFunc as typeof fetch }));
}

function buildLayersModel(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [32], units: 24, activation: 'relu', name: 'hidden', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), biasInitializer: 'ones' }),
      tfl.layers.dense({ units: 10, name: 'logits', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

async function savedArtifacts(model: tfl.LayersModel): Promise<TfjsArtifacts> {
  let artifacts: TfjsArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      const { weightSpecs, weightData, ...fields } = saved;
      artifacts = {
        modelJson: { ...fields, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs as never }] } as never,
        shards: [{ path: 'weights.bin', bytes: new Uint8Array(weightData as ArrayBuffer) }],
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts!;
}

async function predict(model: tfl.LayersModel): Promise<number[]> {
  const inputs = tf.tensor2d(weights(8 * 32, 5), [8, 32]);
  const output = model.predict(inputs) as tf.Tensor;
  const values = Array.from(await output.data());
  tf.dispose([inputs, output]);
  return values;
}

describe('a TFJS LayersModel', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    tf.enableProdMode();
  });

  it.each<[string, RecipeStep]>([
    ['magnitude per layer', magnitude({ sparsity: 0.8 })],
    ['magnitude global', magnitude({ sparsity: 0.8, scope: 'global' })],
    ['2:4', nm()],
  ])('%s: the bytes reported are the shard bytes written, the weights read back are the pruned ones, and stock tfjs predicts like the masked dense model', async (_, step) => {
    const layers = buildLayersModel();
    const model = await readArtifacts(await savedArtifacts(layers));
    const { model: pruned, steps } = await compress(model, [step], { registry });
    const artifacts = writeTfjsArtifacts(pruned);
    const written = artifacts.shards.reduce((sum, shard) => sum + shard.bytes.byteLength, 0);
    expect(written).toBe(steps[0]!.bytesAfter);
    expect(written).toBe(modelByteLength(pruned));
    expect(steps[0]!.bytesAfter).toBeLessThan(steps[0]!.bytesBefore);
    const reread = await readArtifacts(artifacts);
    for (const name of pruned.params.keys()) expect(valuesOf(reread, name)).toEqual(valuesOf(pruned, name));

    // The masked dense model, built by tfjs-layers itself from the pruned weights.
    const masked = buildLayersModel();
    masked.setWeights(layers.getWeights().map((weight, index) => tf.tensor(valuesOf(pruned, [...pruned.params.keys()][index]!), weight.shape)));
    const stock = await loadStock(writeTfjsArtifacts(decompress(pruned)));
    expect(await predict(stock)).toEqual(await predict(masked));
    expect(await predict(stock)).not.toEqual(await predict(layers));
  });
});

describe('a safetensors file', () => {
  let directory: string;
  let input: string;
  const tensors = { 'encoder.weight': [48, 40], 'head.weight': [10, 48] } as const;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'whittle-prune-'));
    input = join(directory, 'model.safetensors');
    const model = createModel({
      format: 'safetensors',
      params: [
        ...Object.entries(tensors).map(([name, shape], index) => ({
          name,
          role: 'linear-weight' as const,
          value: denseEncoding({ dtype: 'float32', shape: [...shape], data: weights(shape[0] * shape[1], index + 1) }),
        })),
        { name: 'head.bias', role: 'bias' as const, value: denseEncoding({ dtype: 'float32', shape: [10], data: weights(10, 9) }) },
      ],
    });
    await writeSafetensorsFile(input, model);
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it.each<[string, RecipeStep, boolean]>([
    ['magnitude per layer (streamed)', magnitude({ sparsity: 0.9 }), true],
    ['magnitude at low sparsity (read whole: dense may be smallest)', magnitude({ sparsity: 0.02 }), false],
    ['magnitude global (read whole)', magnitude({ sparsity: 0.7, scope: 'global' }), false],
    ['2:4 (streamed)', nm(), true],
  ])('%s: the bytes reported are the tensor bytes in the file, and the file reads back as compress makes it', async (label, step, streams) => {
    const output = join(directory, `${label.replace(/\W+/g, '-')}.safetensors`);
    // Tiny row blocks: a tensor that could be blocked is, unless the step's storage forbids it.
    const result = await compressSafetensorsFile(input, output, [step], { registry, rowBlocks: { threshold: 1024, blockBytes: 512 } });
    expect(result.streamed).toBe(streams);
    const file = await openSafetensorsFile(output);
    let tensorBytes = 0;
    try {
      for (const param of file.header.params.values()) tensorBytes += param.byteLength;
    } finally {
      await file.close();
    }
    expect(result.output.bytes).toBe(tensorBytes);
    expect(result.steps[0]!.bytesAfter).toBe(tensorBytes);
    expect((await stat(output)).size).toBeGreaterThan(tensorBytes);
    const reread = await readSafetensorsFile(output);
    const { model: inMemory } = await compress(await readSafetensorsFile(input), [step], { registry });
    for (const name of inMemory.params.keys()) expect(valuesOf(reread, name)).toEqual(valuesOf(inMemory, name));
    if (step.kind === 'prune.magnitude' && step.scope !== 'global') {
      const original = await readSafetensorsFile(input);
      for (const name of Object.keys(tensors)) {
        const values = valuesOf(original, name);
        expect(valuesOf(reread, name)).toEqual(referencePrune(values, Math.round((step.sparsity as number) * values.length)));
      }
    }
  });
});
