/**
 * Test support: real models on disk, made the way users make them, and loaded back the way plain
 * tfjs loads them, with no whittle code on the loading side.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom } from '@whittle/bench';
import { createModel, denseEncoding, useBackend } from '@whittle/core';
import { quantizeStockAffine } from '@whittle/core/tfjs';
import { writeSafetensorsFile } from '@whittle/core/fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The test LayersModel: 32 → 64 (ReLU) → 10, 2,762 params of which 2,688 in kernels. */
export async function buildLayersModel(): Promise<tfl.LayersModel> {
  await useBackend('cpu');
  // As the CLI does: tfjs's advice to install tfjs-node is noise in test output.
  tf.enableProdMode();
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [32], units: 64, activation: 'relu', name: 'hidden', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.dense({ units: 10, name: 'logits', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), biasInitializer: 'ones' }),
    ],
  });
  return model;
}

/**
 * Saves a LayersModel with tfjs-layers' own `save` as `directory/model.json` plus one
 * `weights.bin`, exactly what `model.save('file://…')` writes in tfjs-node.
 */
export async function saveLayersModel(model: tfl.LayersModel, directory: string): Promise<void> {
  await useBackend('cpu');
  await mkdir(directory, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const { weightSpecs, weightData, ...fields } = artifacts;
      const manifest = [{ paths: ['weights.bin'], weights: weightSpecs }];
      await writeFile(join(directory, 'model.json'), JSON.stringify({ ...fields, weightsManifest: manifest }));
      await writeFile(join(directory, 'weights.bin'), new Uint8Array(weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/**
 * Loads `directory/model.json` with plain `tfl.loadLayersModel` through tfjs's own HTTP loader
 * (fetches served from the directory), so stock decoding is tfjs's, not whittle's.
 */
export async function loadWithPlainTfjs(directory: string): Promise<tfl.LayersModel> {
  await useBackend('cpu');
  const base = 'http://whittle.test/model/';
  const fetchFunc = async (input: RequestInfo | URL): Promise<Response> => {
    try {
      return new Response(await readFile(join(directory, String(input).slice(base.length))));
    } catch {
      return new Response(null, { status: 404 });
    }
  };
  return tfl.loadLayersModel(tf.io.http(`${base}model.json`, { fetchFunc: fetchFunc as typeof fetch }));
}

/** Predictions of a model on a fixed seeded batch of 8 inputs. */
export async function predict(model: tfl.LayersModel): Promise<Float32Array> {
  const inputs = tf.tensor2d(seededRandom(5).uniformArray(8 * 32), [8, 32]);
  const output = model.predict(inputs) as tf.Tensor;
  const values = (await output.data()) as Float32Array;
  tf.dispose([inputs, output]);
  return values;
}

/**
 * Writes a PyTorch-style checkpoint with core's safetensors writer: two Linear layers
 * (`encoder`, `head`, float32 weights `[out, in]` and biases) and an embedding stored as stock
 * per-tensor uint8 (a whittle encoding, so the file carries whittle metadata).
 */
export async function writeTestSafetensors(path: string): Promise<void> {
  const random = seededRandom(9);
  const dense = (shape: number[]) =>
    denseEncoding({ dtype: 'float32', shape, data: random.normalArray(shape.reduce((a, b) => a * b, 1), 0, 0.1) });
  const model = createModel({
    format: 'safetensors',
    params: [
      { name: 'embed.weight', role: 'embedding', value: quantizeStockAffine(random.normalArray(100 * 16, 0, 0.1), [100, 16], 8) },
      { name: 'encoder.weight', role: 'linear-weight', value: dense([64, 16]) },
      { name: 'encoder.bias', role: 'bias', value: dense([64]) },
      { name: 'head.weight', role: 'linear-weight', value: dense([10, 64]) },
      { name: 'head.bias', role: 'bias', value: dense([10]) },
    ],
  });
  await writeSafetensorsFile(path, model, { metadata: { format: 'pt' } });
}

/** A temporary directory holding the test models as inputs (`in/`) and a place for outputs (`out/`). */
export interface TestWorkspace {
  readonly directory: string;
  readonly tfjsModel: string;
  readonly safetensors: string;
  /** What the saved LayersModel predicts, to compare outputs against. */
  readonly original: Float32Array;
}

/** Makes a {@link TestWorkspace} under the system's temporary directory. */
export async function createTestWorkspace(prefix: string): Promise<TestWorkspace> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(directory, 'in'));
  await mkdir(join(directory, 'out'));
  const tfjsModel = join(directory, 'in', 'mlp');
  const model = await buildLayersModel();
  const original = await predict(model);
  await saveLayersModel(model, tfjsModel);
  const safetensors = join(directory, 'in', 'model.safetensors');
  await writeTestSafetensors(safetensors);
  return { directory, tfjsModel, safetensors, original };
}
