import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { decodeToFloat32, isWhittleError } from '@whittle/core';
import { fromLayersModel } from '@whittle/core/runner';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { lowRankDense } from './low-rank-dense.ts';
import { cnnTeacher, loadStock, maxDifference, mlpTeacher, paramCount, runStock, sampleInputs } from './students.test-support.ts';

async function convolutionOnly() {
  const layersModel = tfl.sequential({ layers: [tfl.layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [3, 3, 2] }), tfl.layers.globalAveragePooling2d({})] });
  try {
    return await fromLayersModel(layersModel);
  } finally {
    layersModel.dispose();
  }
}

describe('lowRankDense', () => {
  test('at full rank the student computes what the teacher does (the teacher run in tfjs)', async () => {
    const { model, inputShape } = await mlpTeacher(12, [9, 7], 4, 5);
    const student = await lowRankDense(model, { rank: 1000, layers: ['hidden_1', 'hidden_2', 'head'] });
    const layers = await loadStock(student);
    expect(layers.layers.map((layer) => `${layer.name}:${(layer.outputShape as number[])[1]}`)).toEqual([
      'hidden_1_down:9',
      'hidden_1:9',
      'hidden_2_down:7',
      'hidden_2:7',
      'head_down:4',
      'head:4',
    ]);
    expect(layers.getLayer('hidden_1_down').getConfig()).toMatchObject({ useBias: false, activation: 'linear' });
    expect(layers.getLayer('hidden_1').getConfig()).toMatchObject({ useBias: true, activation: 'relu' });
    layers.dispose();
    const inputs = sampleInputs(8, inputShape, 4);
    expect(maxDifference(await runStock(student, inputs), await runStock(model, inputs))).toBeLessThan(1e-5);
    inputs.dispose();
  });

  test('at rank r the pair holds the best rank-r approximation: its error is the discarded singular values', async () => {
    const { model } = await mlpTeacher(10, [8], 3, 2);
    const student = await lowRankDense(model, { rank: 3, layers: ['hidden_1'] });
    const down = decodeToFloat32(student.params.get('hidden_1_down/kernel')!.value);
    const up = decodeToFloat32(student.params.get('hidden_1/kernel')!.value);
    const teacher = decodeToFloat32(model.params.get('hidden_1/kernel')!.value);
    expect(down.shape).toEqual([10, 3]);
    expect(up.shape).toEqual([3, 8]);
    // Oracle: tfjs's own matMul of the factors. A truncated SVD is an orthogonal projection, so
    // ‖W‖² = ‖AB‖² + ‖W − AB‖², and no projection onto three other directions does better.
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(down.data, [10, 3]), tf.tensor2d(up.data, [3, 8])).dataSync() as Float32Array);
    let total = 0;
    let kept = 0;
    let residual = 0;
    for (let index = 0; index < product.length; index++) {
      total += teacher.data[index]! ** 2;
      kept += product[index]! ** 2;
      residual += (teacher.data[index]! - product[index]!) ** 2;
    }
    expect(residual).toBeGreaterThan(0);
    expect(Math.abs(total - kept - residual)).toBeLessThan(1e-4 * total);
    const random = tf.tidy(() => {
      const basis = tf.randomNormal([8, 3], 0, 1, 'float32', 9);
      const [q] = tf.linalg.qr(basis);
      const projected = tf.matMul(tf.matMul(tf.tensor2d(teacher.data, [10, 8]), q!), q!, false, true);
      return tf.sum(tf.square(tf.sub(tf.tensor2d(teacher.data, [10, 8]), projected))).dataSync()[0]!;
    });
    expect(residual).toBeLessThanOrEqual(random + 1e-6);
  });

  test('by default factors only the layers the pair makes smaller', async () => {
    const { model } = await mlpTeacher(64, [64], 4);
    const student = await lowRankDense(model, { rank: 8 });
    expect(student.params.has('hidden_1_down/kernel')).toBe(true);
    // 8 · (64 + 4) > 64 · 4: the head stays whole.
    expect(student.params.has('head_down/kernel')).toBe(false);
    expect(paramCount(student)).toBe(paramCount(model) - 64 * 64 + 8 * 128);
  });

  test('a budget keeps the factored kernels within that fraction of their weights', async () => {
    const { model, inputShape } = await mlpTeacher(48, [40, 32], 4, 3);
    const student = await lowRankDense(model, { budget: 0.3 });
    const kernels = (names: string[]) => names.reduce((total, name) => total + (student.params.get(name)?.shape.reduce((a, b) => a * b, 1) ?? 0), 0);
    const factoredLayers = ['hidden_1', 'hidden_2', 'head'].filter((name) => student.params.has(`${name}_down/kernel`));
    expect(factoredLayers.length).toBeGreaterThan(0);
    const after = kernels(factoredLayers.flatMap((name) => [`${name}_down/kernel`, `${name}/kernel`]));
    const teacherWeights = 48 * 40 + 40 * 32 + 32 * 4;
    const wholeAfter = kernels(['hidden_1', 'hidden_2', 'head'].filter((name) => !factoredLayers.includes(name)).map((name) => `${name}/kernel`));
    expect(after + wholeAfter).toBeLessThanOrEqual(0.3 * teacherWeights + 1);
    const inputs = sampleInputs(2, inputShape, 1);
    expect((await runStock(student, inputs)).every(Number.isFinite)).toBe(true);
    inputs.dispose();
  });

  test('property: any rank gives a student stock tfjs runs, with fewer params whenever a layer shrinks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 8, max: 24 }), async (rank, hidden) => {
        const { model } = await mlpTeacher(16, [hidden], 3, rank);
        let student;
        try {
          student = await lowRankDense(model, { rank });
        } catch (error) {
          // Only when no layer would get smaller.
          expect(isWhittleError(error, 'invalid-argument')).toBe(true);
          expect(rank * (16 + hidden)).toBeGreaterThanOrEqual(16 * hidden);
          return;
        }
        expect(paramCount(student)).toBeLessThan(paramCount(model));
        const inputs = sampleInputs(2, [16], 1);
        expect((await runStock(student, inputs)).length).toBe(6);
        inputs.dispose();
      }),
      { numRuns: 10 },
    );
  });

  test('the randomized SVD gives the exact factors on a matrix of that rank', async () => {
    const { model, inputShape } = await mlpTeacher(12, [10], 3, 8);
    const exact = await lowRankDense(model, { rank: 10, layers: ['hidden_1'] });
    const randomized = await lowRankDense(model, { rank: 10, layers: ['hidden_1'], svd: 'randomized', seed: 2 });
    const inputs = sampleInputs(4, inputShape, 3);
    expect(maxDifference(await runStock(randomized, inputs), await runStock(exact, inputs))).toBeLessThan(1e-4);
    inputs.dispose();
  });

  test('refuses bad options with typed errors naming the field', async () => {
    const { model } = await mlpTeacher(6, [5], 2);
    const cases: [unknown, unknown, string][] = [
      [model, {}, 'options'],
      [model, { rank: 2, budget: 0.5 }, 'options'],
      [model, { rank: 0 }, 'options.rank'],
      [model, { rank: 2.5 }, 'options.rank'],
      [model, { rank: 1e12 }, 'options.rank'],
      [model, { budget: 0 }, 'options.budget'],
      [model, { budget: Number.POSITIVE_INFINITY }, 'options.budget'],
      [model, { rank: 2, layers: ['nope'] }, 'options.layers[0]'],
      [model, { rank: 2, layers: 'hidden_1' }, 'options.layers'],
      [model, { budget: 0.5, svd: 'randomized' }, 'options.svd'],
      [model, { rank: 2, svd: 'fast' }, 'options.svd'],
      [model, { rank: 5 }, 'options.rank'],
      [(await cnnTeacher()).model, { rank: 50 }, 'options.rank'],
      [await convolutionOnly(), { budget: 0.5 }, 'teacher'],
      [{ format: 'checkpoint', topology: null, params: new Map() }, { rank: 2 }, 'teacher.format'],
    ];
    for (const [teacher, options, field] of cases) {
      let caught: unknown;
      try {
        await lowRankDense(teacher as never, options as never);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught, 'invalid-argument'), `${JSON.stringify(options)}: ${String(caught)}`).toBe(true);
      expect((caught as { field: string }).field).toBe(field);
    }
  });
});
