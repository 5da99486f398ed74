import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  byteLength,
  decodeToFloat32,
  hostTensor,
  modelFromTensors,
  replaceParams,
  sparseFromDense,
  unpackBits,
  useBackend,
  type CodebookEncoding,
  type Encoding,
  type Model,
} from '@whittle/core';
import { kmeansQuantize } from '../primitives/kmeans-quantize.ts';
import { classificationBatches, classifierModel, denseModel, randomValues } from './fine-tune.test-support.ts';
import { trainSharedWeights } from './train-shared-weights.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

/** The codebook a param stores, dense or as a sparse param's values. */
function codebookOf(encoding: Encoding): CodebookEncoding {
  if (encoding.kind === 'codebook') return encoding;
  if (encoding.kind === 'sparse' && encoding.values.kind === 'codebook') return encoding.values;
  throw new Error(`no codebook in a ${encoding.kind} encoding`);
}

/** `model` with each named param's float32 values clustered by k-means, kept sparse when it is. */
function shareWeights(model: Model, names: readonly string[], bits: number): Model {
  const updates = new Map<string, Encoding>();
  for (const name of names) {
    const value = model.params.get(name)!.value;
    if (value.kind === 'sparse' && value.values.kind === 'dense') {
      updates.set(name, { ...value, values: kmeansQuantize(value.values.tensor, { bits }) });
    } else if (value.kind === 'dense') {
      updates.set(name, kmeansQuantize(value.tensor, { bits }));
    }
  }
  return replaceParams(model, updates);
}

describe('trainSharedWeights: the gradient oracle', () => {
  // One Dense layer y = xW + b, loss = mean((y − t)²) over rows × units: dL/dW = 2/(N·U) · xᵀ(y − t),
  // written out here, and one SGD step moves each centroid by −η · Σ over its cluster of dL/dW.
  const rows = 5;
  const inputs = 6;
  const units = 4;
  const x = randomValues(rows * inputs, 11);
  const t = randomValues(rows * units, 12);
  const bias = randomValues(units, 13, 0.1);

  function plainWeightGradient(weights: Float32Array): Float64Array {
    const residual = new Float64Array(rows * units);
    for (let row = 0; row < rows; row++) {
      for (let unit = 0; unit < units; unit++) {
        let y = bias[unit]!;
        for (let input = 0; input < inputs; input++) y += x[row * inputs + input]! * weights[input * units + unit]!;
        residual[row * units + unit] = y - t[row * units + unit]!;
      }
    }
    const gradient = new Float64Array(inputs * units);
    for (let input = 0; input < inputs; input++) {
      for (let unit = 0; unit < units; unit++) {
        let sum = 0;
        for (let row = 0; row < rows; row++) sum += x[row * inputs + input]! * residual[row * units + unit]!;
        gradient[input * units + unit] = (2 / (rows * units)) * sum;
      }
    }
    return gradient;
  }

  async function oneSgdStep(model: Model, learningRate: number): Promise<Model> {
    const optimizer = tf.train.sgd(learningRate);
    try {
      const batch = { inputs: hostTensor('float32', [rows, inputs], x), targets: hostTensor('float32', [rows, units], t) };
      return (await trainSharedWeights(model, { shared: ['dense/kernel'], data: [batch], loss: 'meanSquaredError', optimizer })).model;
    } finally {
      optimizer.dispose();
    }
  }

  it('moves each centroid by the summed plain gradient of its cluster (dense codebook)', async () => {
    const kernel = hostTensor('float32', [inputs, units], randomValues(inputs * units, 14, 0.8));
    const model = shareWeights(denseModel(kernel, hostTensor('float32', [units], bias)), ['dense/kernel'], 2);
    const before = codebookOf(model.params.get('dense/kernel')!.value);
    const clusters = unpackBits(before.indices, inputs * units, before.bits);
    const gradient = plainWeightGradient(decodeToFloat32(before).data);
    const learningRate = 0.3;
    const tuned = await oneSgdStep(model, learningRate);
    const after = codebookOf(tuned.params.get('dense/kernel')!.value);
    const centroids = before.centroids.data as Float32Array;
    centroids.forEach((centroid, cluster) => {
      let sum = 0;
      clusters.forEach((member, element) => {
        if (member === cluster) sum += gradient[element]!;
      });
      expect(after.centroids.data[cluster]).toBeCloseTo(centroid - learningRate * sum, 5);
    });
    expect(after.indices).toEqual(before.indices);
  });

  it('leaves the pruned elements of a sparse param out of every sum (bitmask and CSR)', async () => {
    const dense = randomValues(inputs * units, 15, 0.8).map((value, index) => (index % 3 === 1 ? 0 : value));
    for (const layout of [{ kind: 'bitmask' }, { kind: 'csr', indexBits: 2 }] as const) {
      const sparse = sparseFromDense(hostTensor('float32', [inputs, units], dense), layout);
      const model = shareWeights(replaceParams(denseModel(hostTensor('float32', [inputs, units], dense), hostTensor('float32', [units], bias)), new Map([['dense/kernel', sparse]])), ['dense/kernel'], 2);
      const stored = model.params.get('dense/kernel')!.value;
      const before = codebookOf(stored);
      const decoded = decodeToFloat32(stored).data;
      const gradient = plainWeightGradient(decoded);
      // Both layouts store the nonzeros in row-major order; no run of zeros here needs a CSR filler.
      const entryClusters = unpackBits(before.indices, before.shape[0]!, before.bits);
      const storedElements = Array.from(dense).flatMap((value, element) => (value === 0 ? [] : [element]));
      expect(entryClusters.length).toBe(storedElements.length);
      const learningRate = 0.2;
      const tuned = await oneSgdStep(model, learningRate);
      const after = codebookOf(tuned.params.get('dense/kernel')!.value);
      const centroids = before.centroids.data as Float32Array;
      centroids.forEach((centroid, cluster) => {
        let sum = 0;
        storedElements.forEach((element, entry) => {
          if (entryClusters[entry] === cluster) sum += gradient[element]!;
        });
        expect(after.centroids.data[cluster]).toBeCloseTo(centroid - learningRate * sum, 5);
      });
      const afterValues = decodeToFloat32(tuned.params.get('dense/kernel')!.value).data;
      dense.forEach((value, element) => {
        if (value === 0) expect(Object.is(afterValues[element], 0)).toBe(true);
      });
      expect(after.indices).toEqual(before.indices);
    }
  });
});

describe('trainSharedWeights: invariants', () => {
  it('keeps indices, layouts, bytes and every zero; never adds a centroid (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          bits: fc.integer({ min: 1, max: 4 }),
          sparsity: fc.double({ min: 0, max: 0.9, noNaN: true }),
          layout: fc.constantFrom('dense', 'bitmask', 'csr'),
          optimizer: fc.constantFrom('adam', 'sgd', 'rmsprop'),
          learningRate: fc.double({ min: 1e-4, max: 0.05, noNaN: true }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        async ({ bits, sparsity, layout, optimizer: optimizerName, learningRate, seed }) => {
          const kernel = randomValues(8 * 24, seed + 1, 0.6);
          const threshold = [...kernel].map(Math.abs).sort((a, b) => a - b)[Math.floor(sparsity * kernel.length)] ?? 0;
          const pruned = kernel.map((value) => (Math.abs(value) < threshold ? 0 : value));
          let model = classifierModel({ 'hidden/kernel': hostTensor('float32', [8, 24], pruned) });
          if (layout !== 'dense') {
            const request = layout === 'bitmask' ? { kind: 'bitmask' as const } : { kind: 'csr' as const, indexBits: 3 };
            model = replaceParams(model, new Map([['hidden/kernel', sparseFromDense(hostTensor('float32', [8, 24], pruned), request)]]));
          }
          const shared = shareWeights(model, ['hidden/kernel', 'head/kernel'], bits);
          const optimizer = optimizerName === 'adam' ? tf.train.adam(learningRate) : optimizerName === 'sgd' ? tf.train.sgd(learningRate) : tf.train.rmsprop(learningRate);
          let tuned: Model;
          try {
            tuned = (
              await trainSharedWeights(shared, {
                shared: ['hidden/kernel', 'head/kernel'],
                data: classificationBatches(3, 16, { seed }),
                loss: 'categoricalCrossentropy',
                optimizer,
                epochs: 2,
              })
            ).model;
          } finally {
            optimizer.dispose();
          }
          for (const name of ['hidden/kernel', 'head/kernel']) {
            const before = shared.params.get(name)!.value;
            const after = tuned.params.get(name)!.value;
            expect(after.kind).toBe(before.kind);
            if (before.kind === 'sparse' && after.kind === 'sparse') expect(after.layout).toEqual(before.layout);
            const [oldBook, newBook] = [codebookOf(before), codebookOf(after)];
            expect(newBook.indices).toEqual(oldBook.indices);
            expect(newBook.bits).toBe(oldBook.bits);
            expect(newBook.centroids.data.length).toBe(oldBook.centroids.data.length);
            expect(byteLength(after)).toBe(byteLength(before));
            const [oldValues, newValues] = [decodeToFloat32(before).data, decodeToFloat32(after).data];
            oldValues.forEach((value, element) => {
              if (value === 0) expect(newValues[element]).toBe(0);
            });
          }
          // Biases are dense float32: they retrain, and stay dense float32.
          expect(tuned.params.get('hidden/bias')!.value.kind).toBe('dense');
          expect(byteLength(tuned.params.get('hidden/bias')!.value)).toBe(byteLength(shared.params.get('hidden/bias')!.value));
        },
      ),
      { numRuns: 12, seed: 7 },
    );
  }, 120_000);

  it('refuses a param that stores no codebook, and a model without layers, with typed errors', async () => {
    const optimizer = tf.train.sgd(0.1);
    try {
      const data = classificationBatches(1, 4, { seed: 1 });
      await expect(trainSharedWeights(classifierModel(), { shared: ['hidden/kernel'], data, loss: 'categoricalCrossentropy', optimizer })).rejects.toMatchObject({
        code: 'invalid-argument',
        field: 'shared',
      });
      await expect(trainSharedWeights(classifierModel(), { shared: ['missing'], data, loss: 'categoricalCrossentropy', optimizer })).rejects.toMatchObject({ field: 'shared' });
      const bare = shareWeights(modelFromTensors({ 'w/kernel': hostTensor('float32', [4, 4], randomValues(16, 3)) }), ['w/kernel'], 2);
      await expect(trainSharedWeights(bare, { shared: ['w/kernel'], data, loss: 'categoricalCrossentropy', optimizer })).rejects.toMatchObject({ name: 'WhittleError' });
    } finally {
      optimizer.dispose();
    }
  });
});
