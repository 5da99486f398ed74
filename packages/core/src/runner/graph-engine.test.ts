import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { codebookFromIndices } from '../encoding/codebook.ts';
import { toFloat32 } from '../tensor/host-tensor.ts';
import { decode } from '../encoding/decode.ts';
import { readTfjsModel } from '../formats/tfjs/read-tfjs-model.ts';
import { replaceParams } from '../model/replace-params.ts';
import type { Model } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { loadRunnable } from './load-runnable.ts';
import { denseLayer, randomMatrix } from './runner.test-support.ts';

// Loading the backend (and the tfjs modules the test bundler transforms) can take a while on a busy machine.
beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

const float = { type: 'DT_FLOAT' };
const constant = (name: string, dims: number[]) => ({
  name,
  op: 'Const',
  attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: dims.map((size) => ({ size: String(size) })) } } } },
});

/** relu(x · w + b): Placeholder, Const weights, MatMul, BiasAdd, Relu, as a converted graph has them. */
const graphDef = {
  node: [
    { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } } },
    constant('dense/kernel', [4, 3]),
    constant('dense/bias', [3]),
    { name: 'dense/MatMul', op: 'MatMul', input: ['x', 'dense/kernel'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
    { name: 'dense/BiasAdd', op: 'BiasAdd', input: ['dense/MatMul', 'dense/bias:0'], attr: { T: float } },
    { name: 'dense/Relu', op: 'Relu', input: ['dense/BiasAdd', '^dense/bias'], attr: { T: float } },
  ],
  library: {},
  versions: { producer: 1286 },
};

const kernel = randomMatrix(4, 3, 11);
const bias = randomMatrix(1, 3, 12);

async function graphModel(): Promise<Model> {
  const bytes = new Uint8Array(15 * 4);
  bytes.set(new Uint8Array(kernel.buffer), 0);
  bytes.set(new Uint8Array(bias.buffer), 48);
  const modelJson = {
    format: 'graph-model',
    modelTopology: graphDef,
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'dense/kernel', shape: [4, 3], dtype: 'float32' },
          { name: 'dense/bias', shape: [3], dtype: 'float32' },
        ],
      },
    ],
  };
  return readTfjsModel(modelJson, async () => bytes);
}

const rows = 6;
const inputs = randomMatrix(rows, 4, 13);

describe('loadRunnable on a TensorFlow graph', () => {
  it('runs as a GraphModel and predicts relu(x·w + b)', async () => {
    const model = await graphModel();
    const runnable = await loadRunnable(model);
    try {
      expect(runnable.kind).toBe('graph');
      expect(runnable.inputs).toEqual([{ name: 'x', shape: [null, 4] }]);
      const output = runnable.predict(hostTensor('float32', [rows, 4], inputs)) as tf.Tensor;
      const expected = denseLayer(inputs, rows, kernel, 4, 3, bias, true);
      const actual = await output.data();
      output.dispose();
      for (let index = 0; index < expected.length; index++) expect(actual[index]).toBeCloseTo(expected[index]!, 5);
    } finally {
      runnable.dispose();
    }
  });

  it('runs a compressed graph as what its params decode to', async () => {
    const model = await graphModel();
    const codebook = codebookFromIndices({
      shape: [4, 3],
      centroids: { dtype: 'float32', shape: [2], data: Float32Array.of(-0.5, 0.5) },
      indices: Array.from({ length: 12 }, (_, index) => index % 2),
    });
    const compressed = replaceParams(model, new Map([['dense/kernel', codebook]]));
    const runnable = await loadRunnable(compressed);
    try {
      const output = runnable.predict(hostTensor('float32', [rows, 4], inputs)) as tf.Tensor;
      const expected = denseLayer(inputs, rows, toFloat32(decode(codebook)).data, 4, 3, bias, true);
      const actual = await output.data();
      output.dispose();
      for (let index = 0; index < expected.length; index++) expect(actual[index]).toBeCloseTo(expected[index]!, 5);
    } finally {
      runnable.dispose();
    }
  });

  it("captures a weight's activations (the MatMul's other input) and a node's input", async () => {
    const runnable = await loadRunnable(await graphModel());
    try {
      const batch = tf.tensor2d(inputs, [rows, 4]);
      const captured = await runnable.captureInputs(['dense/kernel', 'dense/Relu'], [{ inputs: batch }]);
      expect(captured.get('dense/kernel')).toEqual(hostTensor('float32', [rows, 4], inputs));
      const preActivation = denseLayer(inputs, rows, kernel, 4, 3, bias, false);
      const biasAdd = captured.get('dense/Relu')!;
      expect(biasAdd.shape).toEqual([rows, 3]);
      for (let index = 0; index < preActivation.length; index++) expect(biasAdd.data[index]).toBeCloseTo(preActivation[index]!, 5);
      // The first capture is the batch itself: it stays the caller's.
      expect(batch.isDisposed).toBe(false);
      batch.dispose();
      // A bias is added to the MatMul's product: that is what it is combined with.
      const product = (await runnable.captureInputs(['dense/bias'], [{ inputs: hostTensor('float32', [rows, 4], inputs) }])).get('dense/bias')!;
      const expectedProduct = denseLayer(inputs, rows, kernel, 4, 3, new Float32Array(3), false);
      for (let index = 0; index < expectedProduct.length; index++) expect(product.data[index]).toBeCloseTo(expectedProduct[index]!, 5);
      await expect(runnable.captureInputs(['x'], [{ inputs: hostTensor('float32', [1, 4]) }])).rejects.toMatchObject({ field: 'layers' });
      await expect(runnable.captureInputs(['missing'], [{ inputs: hostTensor('float32', [1, 4]) }])).rejects.toMatchObject({ field: 'layers' });
    } finally {
      runnable.dispose();
    }
  });

  it('has no trainable form', async () => {
    const { loadTrainable } = await import('./trainable.ts');
    await expect(loadTrainable(await graphModel())).rejects.toMatchObject({ code: 'invalid-model', field: 'topology' });
  });
});
