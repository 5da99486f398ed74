import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@whittle/core';
import { loadMnistDigits, splitDigits } from '../quantization/mnist-digits.ts';
import { runLoraFineTune } from './lora-fine-tune.ts';

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

describe('runLoraFineTune', () => {
  it('adapts a digits-0–4 classifier to ten digits, LoRA training far fewer parameters', async () => {
    const { train, test } = splitDigits(await loadMnistDigits(), { train: 1500, test: 500, seed: 3 });
    const rows = await runLoraFineTune(train, test, { hiddenSizes: [32], baseEpochs: 2, fineTuneEpochs: 2, batchSize: 100, learningRate: 3e-3, loraLearningRate: 1e-2, rank: 4, alpha: 8, seed: 1 });
    expect(rows.map((row) => row.method)).toEqual(['base (digits 0–4)', 'full fine-tune', 'LoRA']);
    const [base, full, lora] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    const modelParams = 784 * 32 + 32 + 32 * 10 + 10;
    expect(full.trainableParams).toBe(modelParams);
    expect(lora.trainableParams).toBe(4 * (784 + 32) + 4 * (32 + 10));
    expect(lora.modelParams).toBe(modelParams);
    // The base never saw digits 5–9; both fine-tunes learn them.
    expect(base.newDigitsAccuracy).toBeLessThan(5);
    expect(full.newDigitsAccuracy).toBeGreaterThan(50);
    expect(lora.newDigitsAccuracy).toBeGreaterThan(30);
    expect(lora.accuracy).toBeGreaterThan(base.accuracy + 15);
  }, 300_000);
});
