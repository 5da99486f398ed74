import * as tf from '@tensorflow/tfjs-core';
import { hostTensor, useBackend, type HostTensor } from '@whittle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrationBatches, type CalibrationBatch } from '@whittle/core';
import { accumulateHessian, createHessianAccumulator, isHessian } from './hessian.ts';
import { correlatedInputs } from './test-layers.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const x = correlatedInputs(300, 24, 4);

function rows(start: number, end: number): HostTensor<'float32'> {
  return hostTensor('float32', [end - start, 24], x.data.slice(start * 24, end * 24));
}

/** H = 2/n·XᵀX in float64, straight from the definition. */
function definition(matrix: HostTensor<'float32'>): Float64Array {
  const [samples, inputs] = matrix.shape as [number, number];
  const h = new Float64Array(inputs * inputs);
  for (let sample = 0; sample < samples; sample++) {
    for (let i = 0; i < inputs; i++) {
      for (let j = 0; j < inputs; j++) {
        h[i * inputs + j]! += (2 / samples) * matrix.data[sample * inputs + i]! * matrix.data[sample * inputs + j]!;
      }
    }
  }
  return h;
}

function expectClose(actual: Float64Array, expected: Float64Array): void {
  const scale = Math.max(...expected.map(Math.abs));
  actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThanOrEqual(1e-5 * scale));
}

describe('accumulateHessian', () => {
  it('one shot equals the definition', async () => {
    const hessian = await accumulateHessian(x);
    expect(hessian).toMatchObject({ kind: 'hessian', inputs: 24, samples: 300, matrix: { shape: [24, 24] } });
    expect(isHessian(hessian)).toBe(true);
    expectClose(hessian.matrix.data, definition(x));
  });

  it('streaming over batches of any form equals one shot', async () => {
    const oneShot = (await accumulateHessian(x)).matrix.data;
    const cuts = [0, 1, 64, 65, 200, 300];
    const batches = cuts.slice(1).map((end, index) => rows(cuts[index]!, end));
    function* generator(): Generator<CalibrationBatch> {
      for (const batch of batches) {
        const tensor = tf.tensor(batch.data, [...batch.shape]);
        yield tensor;
        tensor.dispose(); // the generator owns what it makes
      }
    }
    async function* asyncGenerator(): AsyncGenerator<CalibrationBatch> {
      for (const batch of batches) yield batch;
    }
    const before = tf.memory().numTensors;
    for (const source of [batches, generator(), asyncGenerator()]) {
      const streamed = await accumulateHessian(source);
      expect(streamed.samples).toBe(300);
      expectClose(streamed.matrix.data, oneShot);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('treats leading axes as samples and skips empty batches', async () => {
    const threeAxes = hostTensor('float32', [10, 30, 24], x.data);
    const accumulator = createHessianAccumulator();
    await accumulator.add(hostTensor('float32', [0, 24]));
    expect(accumulator.inputs).toBe(24);
    await accumulator.add(threeAxes);
    expect(accumulator.samples).toBe(300);
    expectClose(accumulator.result().matrix.data, definition(x));
  });

  it('returns a snapshot that later batches do not change', async () => {
    const accumulator = createHessianAccumulator(24);
    await accumulator.add(rows(0, 10));
    const first = accumulator.result();
    const copy = first.matrix.data.slice();
    await accumulator.add(rows(10, 20));
    expect(first.matrix.data).toStrictEqual(copy);
  });

  it('rejects a width mismatch, no samples and non-tensors, naming calibration', async () => {
    const accumulator = createHessianAccumulator(8);
    await expect(accumulator.add(rows(0, 2))).rejects.toMatchObject({ code: 'invalid-argument', field: 'calibration' });
    expect(() => accumulator.result()).toThrow(expect.objectContaining({ field: 'calibration' }));
    await expect(accumulateHessian([])).rejects.toMatchObject({ field: 'calibration' });
    await expect(accumulateHessian([1, 2] as never)).rejects.toMatchObject({ field: 'calibration' });
    await expect(accumulateHessian(42 as never)).rejects.toMatchObject({ field: 'calibration' });
    expect(() => createHessianAccumulator(0)).toThrow(expect.objectContaining({ field: 'inputs' }));
  });

  it('yields the batches of every source form in order', async () => {
    const seen: number[] = [];
    for await (const batch of calibrationBatches(new Set([rows(0, 1), rows(1, 3)]))) seen.push(batch.shape[0]!);
    expect(seen).toStrictEqual([1, 2]);
  });
});
