import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, expect, test } from 'vitest';
import { affineFromCodes } from '../../encoding/affine.ts';
import { codebookFromIndices } from '../../encoding/codebook.ts';
import { castDense, denseEncoding } from '../../encoding/dense.ts';
import { decode } from '../../encoding/decode.ts';
import { huffmanEncoding } from '../../encoding/entropy.ts';
import { lowRankEncoding } from '../../encoding/low-rank.ts';
import { sparseFromDense } from '../../encoding/sparse-from-dense.ts';
import type { Encoding } from '../../encoding/types.ts';
import { replaceParams } from '../../model/replace-params.ts';
import type { Model } from '../../model/types.ts';
import { tensorBits } from '../../testing/bits.ts';
import { whittleIOHandler } from './io-handler.ts';
import { artifactsFromSaved, readArtifacts, stockHttpHandler } from './stock-loader.test-support.ts';
import { writeTfjsArtifacts } from './write-tfjs-artifacts.ts';

let model: Model;
let input: tf.Tensor;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const layers = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 16, inputShape: [64], name: 'first' }),
      tfl.layers.dense({ units: 8, name: 'second' }),
      tfl.layers.dense({ units: 4, name: 'third' }),
    ],
  });
  let saved: tf.io.ModelArtifacts | undefined;
  await layers.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    })
  );
  model = await readArtifacts(artifactsFromSaved(saved!));
  input = tf.randomNormal([3, 64], 0, 1, 'float32', 3);
});

const wave = (length: number, phase: number): Float32Array =>
  Float32Array.from({ length }, (_, index) => Math.sin(index * 0.7 + phase));
const codes = (length: number, min: number, max: number): number[] =>
  Array.from({ length }, (_, index) => min + ((index * 5) % (max - min + 1)));

function nonStock(): Array<[string, string, Encoding]> {
  const zeros = wave(8, 1).map((value, index) => (index % 3 === 0 ? value : 0));
  return [
    ['bfloat16', 'first/bias', castDense({ dtype: 'float32', shape: [16], data: wave(16, 0) }, 'bfloat16')],
    [
      'affine int4 group 32',
      'first/kernel',
      affineFromCodes({
        shape: [64, 16],
        bits: 4,
        signed: true,
        granularity: { kind: 'group', axis: 0, size: 32 },
        codes: codes(1024, -8, 7),
        scales: castDense({ dtype: 'float32', shape: [2, 16], data: wave(32, 2).map(Math.abs) }, 'float16')
          .tensor as never,
      }),
    ],
    [
      'codebook',
      'second/kernel',
      codebookFromIndices({
        shape: [16, 8],
        centroids: { dtype: 'float32', shape: [4], data: Float32Array.of(-0.5, -0.1, 0.1, 0.5) },
        indices: codes(128, 0, 3),
      }),
    ],
    [
      'sparse',
      'second/bias',
      sparseFromDense({ dtype: 'float32', shape: [8], data: zeros }, { kind: 'bitmask' }, (values) =>
        castDense(values, 'float16')
      ),
    ],
    [
      'entropy (Huffman-coded CSR gaps and codebook indices)',
      'first/kernel',
      huffmanEncoding(
        sparseFromDense(
          { dtype: 'float32', shape: [64, 16], data: wave(1024, 5).map((value, index) => (index % 7 === 0 ? value : 0)) },
          { kind: 'csr', indexBits: 3 },
          (values) =>
            codebookFromIndices({
              shape: values.shape,
              centroids: { dtype: 'float32', shape: [4], data: Float32Array.of(-0.5, -0.1, 0.1, 0.5) },
              indices: Array.from(values.data, (value) => Math.min(3, Math.floor((value + 1) * 2))),
            })
        )
      ),
    ],
    [
      'sparse relative (no row pointers)',
      'third/bias',
      sparseFromDense({ dtype: 'float32', shape: [4], data: Float32Array.of(0, 0, 0, -1.25) }, { kind: 'relative', indexBits: 1 }),
    ],
    [
      'entropy (Huffman-coded relative gaps and codebook indices)',
      'first/kernel',
      huffmanEncoding(
        sparseFromDense(
          // Runs of zeros cross rows and outgrow 3-bit gaps, so fillers are stored too.
          { dtype: 'float32', shape: [64, 16], data: wave(1024, 6).map((value, index) => (index % 13 === 0 || index % 29 === 0 ? value : 0)) },
          { kind: 'relative', indexBits: 3 },
          (values) =>
            codebookFromIndices({
              shape: values.shape,
              centroids: { dtype: 'float32', shape: [4], data: Float32Array.of(-0.5, -0.1, 0.1, 0.5) },
              indices: Array.from(values.data, (value) => Math.min(3, Math.floor((value + 1) * 2))),
            })
        )
      ),
    ],
    [
      'lowrank',
      'third/kernel',
      lowRankEncoding({
        shape: [8, 4],
        left: denseEncoding({ dtype: 'float32', shape: [8, 2], data: wave(16, 3) }),
        right: denseEncoding({ dtype: 'float32', shape: [2, 4], data: wave(8, 4) }),
      }),
    ],
  ];
}

test.each(nonStock())(
  '%s: plain tfjs refuses it; whittle’s handler loads the exact decoded values',
  async (_, name, encoding) => {
    const compressed = replaceParams(model, new Map([[name, encoding]]));
    const artifacts = writeTfjsArtifacts(compressed);
    expect(artifacts.modelJson.whittle).toMatchObject({ version: 1, params: [{ name }] });
    await expect(tfl.loadLayersModel(stockHttpHandler(artifacts))).rejects.toThrow(/Unsupported dtype in weight '.*#/);

    const back = await readArtifacts(artifacts);
    expect([...back.params.keys()]).toEqual([...model.params.keys()]);
    expect(back.params.get(name)!.value).toEqual(encoding);
    const loaded = await tfl.loadLayersModel(whittleIOHandler(back));
    for (const weight of loaded.weights) {
      const param = back.params.get(weight.originalName)!;
      const values = (await weight.read().data()) as Float32Array;
      expect(tensorBits({ dtype: 'float32', shape: [...param.shape], data: values })).toEqual(
        tensorBits(decode(param.value))
      );
    }
    expect((loaded.predict(input) as tf.Tensor).shape).toEqual([3, 4]);
  }
);

test('every non-stock encoding at once round-trips through shards of 7 bytes', async () => {
  const compressed = replaceParams(model, new Map(nonStock().map(([, name, encoding]) => [name, encoding])));
  const artifacts = writeTfjsArtifacts(compressed, { shardBytes: 7 });
  const back = await readArtifacts(artifacts);
  for (const [name, param] of compressed.params) expect(back.params.get(name)!.value).toEqual(param.value);
});
