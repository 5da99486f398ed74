import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostTensor, useBackend, type HostTensor } from '@whittle/core';
import { applyMask, countPruned } from '../masks/index.ts';
import { createInputNormAccumulator, inputNorms } from './input-norms.ts';
import { perOutputMask, perOutputNmMask } from './per-output-mask.ts';
import { wandaScores } from './wanda-scores.ts';
import { loudFeatureInputs, normalMatrix, outputError, referenceColumnMask, referenceNorms } from './wanda.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

/** A Dense kernel `[in, out]` of small shape with ties and zeros among its weights. */
const kernel = fc
  .record({ inputs: fc.integer({ min: 1, max: 24 }), outputs: fc.integer({ min: 1, max: 6 }) })
  .chain(({ inputs, outputs }) =>
    fc.record({
      inputs: fc.constant(inputs),
      outputs: fc.constant(outputs),
      weights: fc.array(fc.oneof(fc.constantFrom(0, 1, -1, 0.5), fc.float({ min: -4, max: 4, noNaN: true })), { minLength: inputs * outputs, maxLength: inputs * outputs }),
      norms: fc.array(fc.oneof(fc.constantFrom(0, 1, 2), fc.float({ min: 0, max: 100, noNaN: true })), { minLength: inputs, maxLength: inputs }),
    }),
  );

function dense(inputs: number, outputs: number, weights: readonly number[]): HostTensor<'float32'> {
  return hostTensor('float32', [inputs, outputs], Float32Array.from(weights));
}

function transpose(tensor: HostTensor<'float32'>): HostTensor<'float32'> {
  const [rows, columns] = tensor.shape as [number, number];
  const data = new Float32Array(rows * columns);
  for (let row = 0; row < rows; row++) for (let column = 0; column < columns; column++) data[column * rows + row] = tensor.data[row * columns + column]!;
  return hostTensor('float32', [columns, rows], data);
}

describe('wandaScores', () => {
  it('is |W_ij| times the norm of input j, for Dense [in, out] and Linear [out, in] alike', () => {
    fc.assert(
      fc.property(kernel, ({ inputs, outputs, weights, norms }) => {
        const tensor = dense(inputs, outputs, weights);
        const scores = wandaScores(tensor, norms);
        for (let input = 0; input < inputs; input++) {
          for (let output = 0; output < outputs; output++) {
            expect(scores[input * outputs + output]).toBe(Math.fround(Math.abs(Math.fround(weights[input * outputs + output]!)) * norms[input]!));
          }
        }
        expect(wandaScores(transpose(tensor), norms, 1)).toEqual(transpose(hostTensor('float32', [inputs, outputs], scores)).data);
      }),
    );
  });

  it('refuses norms that do not fit the weight, or are negative or not finite', () => {
    const tensor = normalMatrix(3, 2, 1);
    expect(() => wandaScores(tensor, [1, 1])).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'inputNorms' }));
    expect(() => wandaScores(tensor, [1, -1, 1])).toThrow(expect.objectContaining({ field: 'inputNorms[1]' }));
    expect(() => wandaScores(tensor, [1, 1, Number.NaN])).toThrow(expect.objectContaining({ field: 'inputNorms[2]' }));
    expect(() => wandaScores(tensor, [Infinity, 1, 1])).toThrow(expect.objectContaining({ field: 'inputNorms[0]' }));
    expect(() => wandaScores(hostTensor('float32', [2, 2, 2]), [1, 1])).toThrow(expect.objectContaining({ field: 'weights' }));
  });
});

describe('per-output masks', () => {
  it('prune exactly round(sparsity · inputs) of each output unit: its lowest scores', () => {
    fc.assert(
      fc.property(kernel, fc.double({ min: 0, max: 1, noNaN: true }), ({ inputs, outputs, weights, norms }, sparsity) => {
        const scores = wandaScores(dense(inputs, outputs, weights), norms);
        const mask = perOutputMask(scores, [inputs, outputs], { sparsity, inputAxis: 0 });
        const count = Math.round(sparsity * inputs);
        expect(mask).toEqual(referenceColumnMask(inputs, outputs, count, (input, output) => scores[input * outputs + output]!));
        for (let output = 0; output < outputs; output++) {
          let pruned = 0;
          for (let input = 0; input < inputs; input++) pruned += mask[input * outputs + output] === 0 ? 1 : 0;
          expect(pruned).toBe(count);
        }
        // A Linear weight [out, in] gets the transposed mask.
        const linear = perOutputMask(transpose(hostTensor('float32', [inputs, outputs], scores)).data, [outputs, inputs], { sparsity, inputAxis: 1 });
        expect(Array.from(linear)).toEqual(Array.from(transpose(hostTensor('float32', [inputs, outputs], Float32Array.from(mask))).data));
      }),
    );
  });

  it('N:M keeps at most n of every m consecutive inputs of each output unit, exactly n in full groups', () => {
    fc.assert(
      fc.property(kernel, fc.integer({ min: 2, max: 8 }).chain((m) => fc.tuple(fc.integer({ min: 1, max: m - 1 }), fc.constant(m))), ({ inputs, outputs, weights, norms }, [n, m]) => {
        const scores = wandaScores(dense(inputs, outputs, weights), norms);
        const mask = perOutputNmMask(scores, [inputs, outputs], { n, m, inputAxis: 0 });
        for (let output = 0; output < outputs; output++) {
          for (let start = 0; start < inputs; start += m) {
            const group = Array.from({ length: Math.min(m, inputs - start) }, (_, offset) => start + offset);
            const kept = group.filter((input) => mask[input * outputs + output] === 1);
            expect(kept.length).toBe(Math.min(n, group.length));
            // Every kept score is at least every pruned one in its group.
            const lowestKept = Math.min(...kept.map((input) => scores[input * outputs + output]!));
            for (const input of group) if (mask[input * outputs + output] === 0) expect(scores[input * outputs + output]!).toBeLessThanOrEqual(lowestKept);
          }
        }
      }),
    );
  });

  it('with every input norm equal, rank like magnitude within each output unit', () => {
    fc.assert(
      fc.property(kernel, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -3, max: 3 }), ({ inputs, outputs, weights }, sparsity, power) => {
        const tensor = dense(inputs, outputs, weights);
        // A power of two scales every |w| exactly, so no two scores tie that did not tie before.
        const scores = wandaScores(tensor, new Float64Array(inputs).fill(2 ** power));
        const count = Math.round(sparsity * inputs);
        const magnitude = referenceColumnMask(inputs, outputs, count, (input, output) => Math.abs(tensor.data[input * outputs + output]!));
        expect(perOutputMask(scores, [inputs, outputs], { sparsity, inputAxis: 0 })).toEqual(magnitude);
      }),
    );
  });

  it('refuses a sparsity outside 0–1 and scores that do not fill the shape', () => {
    const scores = new Float32Array(6);
    expect(() => perOutputMask(scores, [3, 2], { sparsity: 1.5, inputAxis: 0 })).toThrow(expect.objectContaining({ field: 'sparsity' }));
    expect(() => perOutputMask(scores, [4, 2], { sparsity: 0.5, inputAxis: 0 })).toThrow(expect.objectContaining({ field: 'scores' }));
    expect(() => perOutputNmMask(scores, [6], { n: 1, m: 2, inputAxis: 0 })).toThrow(expect.objectContaining({ field: 'shape' }));
  });
});

describe('inputNorms', () => {
  it('is the L2 norm of each input feature, streamed over batches of any rank', async () => {
    const inputs = loudFeatureInputs(40, 12, 3, 2, 20);
    const whole = await inputNorms(inputs);
    const batches = [hostTensor('float32', [2, 5, 12], inputs.data.slice(0, 120)), tf.tensor2d(inputs.data.slice(120), [30, 12])];
    const streamed = await inputNorms(batches);
    tf.dispose(batches[1] as tf.Tensor);
    const expected = referenceNorms(inputs);
    for (const norms of [whole, streamed]) norms.forEach((norm, feature) => expect(norm).toBeCloseTo(expected[feature]!, 3));
  });

  it('refuses batches of the wrong width, non-finite values and no samples', async () => {
    const accumulator = createInputNormAccumulator(4);
    await expect(accumulator.add(hostTensor('float32', [2, 3]))).rejects.toMatchObject({ code: 'invalid-argument', field: 'calibration' });
    await expect(accumulator.add(hostTensor('float32', [1, 4], new Float32Array([1, Number.NaN, 0, 0])))).rejects.toMatchObject({ field: 'calibration' });
    expect(() => accumulator.result()).toThrow(expect.objectContaining({ message: expect.stringContaining('no samples') }));
    await expect(inputNorms('inputs.bin' as never)).rejects.toMatchObject({ field: 'calibration' });
    expect(() => createInputNormAccumulator(0)).toThrow(expect.objectContaining({ field: 'inputs' }));
  });
});

describe('Wanda against magnitude', () => {
  it('reconstructs the outputs of a layer with a few loud input features no worse than magnitude, on most seeds', () => {
    const seeds = Array.from({ length: 24 }, (_, seed) => seed + 1);
    let noWorse = 0;
    for (const seed of seeds) {
      const [inputs, outputs] = [32, 8];
      const calibration = loudFeatureInputs(96, inputs, seed * 7, 3, 12);
      const weights = normalMatrix(inputs, outputs, seed * 7 + 3);
      const norms = referenceNorms(calibration);
      const wandaMask = perOutputMask(wandaScores(weights, norms), [inputs, outputs], { sparsity: 0.5, inputAxis: 0 });
      const magnitudeMask = referenceColumnMask(inputs, outputs, 16, (input, output) => Math.abs(weights.data[input * outputs + output]!));
      expect(countPruned(wandaMask)).toBe(countPruned(magnitudeMask));
      const wandaError = outputError(calibration, weights.data, applyMask(weights.data, wandaMask), outputs);
      const magnitudeError = outputError(calibration, weights.data, applyMask(weights.data, magnitudeMask), outputs);
      if (wandaError <= magnitudeError) noWorse++;
    }
    expect(noWorse).toBeGreaterThanOrEqual(Math.ceil(0.9 * seeds.length));
  });
});
