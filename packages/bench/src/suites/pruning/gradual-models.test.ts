import { useBackend } from '@whittle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { oneHotBatches, untrainedClassifier } from './gradual-models.ts';

beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

describe('the gradual part models', () => {
  it('LeNet-300-100 and the CNN take 784 inputs, give 10 outputs, and their kernels carry weight roles', async () => {
    const lenet = await untrainedClassifier('lenet-300-100', 1);
    expect([...lenet.params.values()].map(({ name, role, shape }) => [name, role, shape])).toEqual([
      ['fc1/kernel', 'dense-kernel', [784, 300]],
      ['fc1/bias', 'bias', [300]],
      ['fc2/kernel', 'dense-kernel', [300, 100]],
      ['fc2/bias', 'bias', [100]],
      ['fc3/kernel', 'dense-kernel', [100, 10]],
      ['fc3/bias', 'bias', [10]],
    ]);
    const cnn = await untrainedClassifier('cnn', 1);
    expect([...cnn.params.values()].filter(({ role }) => role !== 'bias').map(({ name, role, shape }) => [name, role, shape])).toEqual([
      ['conv1/kernel', 'conv2d-kernel', [3, 3, 1, 1, 8]],
      ['conv2/kernel', 'conv2d-kernel', [3, 3, 1, 8, 16]],
      ['fc/kernel', 'dense-kernel', [576, 10]],
    ]);
  });

  it('batches digits with one-hot targets', () => {
    const digits = { images: Float32Array.from({ length: 3 * 784 }, (_, index) => index), labels: new Uint8Array([7, 0, 9]), count: 3 };
    const batches = oneHotBatches(digits, 2);
    expect(batches.map(({ inputs }) => (inputs as { shape: number[] }).shape)).toEqual([[2, 784], [1, 784]]);
    const targets = batches.flatMap(({ targets: values }) => Array.from((values as { data: Float32Array }).data));
    expect(targets).toEqual([7, 0, 9].flatMap((label) => Array.from({ length: 10 }, (_, index) => (index === label ? 1 : 0))));
    expect((batches[1]!.inputs as { data: Float32Array }).data[0]).toBe(2 * 784);
  });
});
