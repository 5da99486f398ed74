import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { WhittleError } from '../errors.ts';
import { captureCalibrationInputs } from './capture-calibration-inputs.ts';
import { mlpModel, mlpReference, randomMatrix } from './runner.test-support.ts';

beforeAll(async () => {
  await useBackend('cpu');
});

const model = mlpModel();
const rows = 7;
const inputs = randomMatrix(rows, 4, 11);
const batches = () => [
  { inputs: hostTensor('float32', [3, 4], inputs.slice(0, 12)) },
  { inputs: hostTensor('float32', [4, 4], inputs.slice(12)) },
];

describe('captureCalibrationInputs', () => {
  it("hands each selected param's layer inputs over batch by batch, and frees them", async () => {
    const seen = new Map<string, number[]>();
    const before = tf.memory().numTensors;
    await captureCalibrationInputs(model, ['hidden/kernel', 'head/kernel'], batches, { step: 1 }, async (param, tensor) => {
      seen.set(param, [...(seen.get(param) ?? []), ...(await tensor.data())]);
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(Float32Array.from(seen.get('hidden/kernel')!)).toEqual(inputs);
    // The head sees the hidden layer's ReLU outputs, computed here in plain float64 maths.
    const hidden = mlpReference(model, inputs, rows).hidden;
    seen.get('head/kernel')!.forEach((value, index) => expect(value).toBeCloseTo(hidden[index]!, 5));
  });

  it('names the step and where in the resource each failure lies', async () => {
    const checkpoint = modelFromTensors({ 'dense/kernel': hostTensor('float32', [4, 2]) });
    const ignore = () => undefined;
    await expect(captureCalibrationInputs(checkpoint, ['dense/kernel'], batches, { step: 3 }, ignore)).rejects.toMatchObject({
      code: 'invalid-argument',
      step: 3,
      field: 'resources.calibration',
      message: expect.stringContaining('no topology'),
    });
    const bad = [{ inputs: hostTensor('float32', [2, 4]) }, { inputs: hostTensor('float32', [2, 3]) }];
    await expect(captureCalibrationInputs(model, ['head/kernel'], bad, { step: 2 }, ignore)).rejects.toMatchObject({
      step: 2,
      field: 'resources.calibration[1].inputs',
    });
    await expect(captureCalibrationInputs(model, ['head/kernel'], [], { step: 2 }, ignore)).rejects.toMatchObject({
      step: 2,
      field: 'resources.calibration',
      message: expect.stringContaining('no samples'),
    });
    const failing = () => {
      throw new WhittleError('invalid-argument', 'a calibration batch holds NaN or infinite values', { field: 'calibration' });
    };
    await expect(captureCalibrationInputs(model, ['head/kernel'], batches, { step: 1 }, failing)).rejects.toMatchObject({
      step: 1,
      field: 'resources.calibration',
      message: expect.stringContaining('head/kernel: a calibration batch holds NaN'),
    });
    const controller = new AbortController();
    controller.abort();
    const before = tf.memory().numTensors;
    await expect(captureCalibrationInputs(model, ['head/kernel'], batches, { step: 1, signal: controller.signal }, ignore)).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
