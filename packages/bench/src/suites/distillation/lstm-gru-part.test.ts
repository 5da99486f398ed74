import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@whittle/core';
import { LSTM_GRU_SETTINGS, lstmGruPart } from './lstm-gru-part.ts';

const { task, experiment } = LSTM_GRU_SETTINGS.quick;
const CLASSES = 4;

/** Weights and biases of a recurrent layer of `gates` gates over `inputs` features, then the Dense logits: counted by hand. */
const recurrentParams = (gates: number): number => gates * experiment.units * (task.tokens + experiment.units + 1) + experiment.units * CLASSES + CLASSES;
/** Kernel multiply-adds of one padded sequence: each step's gates over input and state, then the logits. */
const recurrentMultiplyAdds = (gates: number): number => task.maxLength * gates * experiment.units * (task.tokens + experiment.units) + experiment.units * CLASSES;

beforeAll(async () => {
  await useBackend('wasm', { gradients: true });
}, 120_000);

describe('lstmGruPart (quick)', () => {
  // The quick part (8-unit models on 400 short sequences, 4 epochs each) takes seconds: run it whole.
  it('reports params, multiply-adds, latency, accuracy and train time of the LSTM teacher and both GRU students', async () => {
    const messages: string[] = [];
    const rows = await lstmGruPart({ quick: true, backend: 'wasm', progress: (message) => messages.push(message) });
    const models = ['lstm teacher', 'gru hard-label student', 'gru distilled student'];
    const perModel = ['params params', 'multiply-adds MACs', `latency-batch-${experiment.latencyRows} ms`, 'top1-accuracy %', 'train-time s'];
    expect(rows.map((row) => `${row.case} ${row.metric} ${row.unit}`)).toEqual([
      ...models.flatMap((model) => perModel.map((metric) => `${model} ${metric}`)),
      'gru distilled student gain-over-hard-label points',
      'gru distilled student gap-to-teacher points',
      'gru distilled student multiply-add-ratio x',
      'gru distilled student speedup x',
    ]);
    expect(rows.every((row) => row.suite === 'distillation' && row.backend === 'wasm' && Number.isFinite(row.value) && row.size.includes(`T ${experiment.temperature}, alpha ${experiment.alpha}`))).toBe(true);
    const value = (model: string, metric: string): number => rows.find((row) => row.case === model && row.metric === metric)!.value;
    expect(value('lstm teacher', 'params')).toBe(recurrentParams(4));
    expect(value('lstm teacher', 'multiply-adds')).toBe(recurrentMultiplyAdds(4));
    for (const student of ['gru hard-label student', 'gru distilled student']) {
      expect(value(student, 'params')).toBe(recurrentParams(3));
      expect(value(student, 'multiply-adds')).toBe(recurrentMultiplyAdds(3));
    }
    for (const model of models) {
      expect(value(model, 'train-time')).toBeGreaterThan(0);
      expect(value(model, `latency-batch-${experiment.latencyRows}`)).toBeGreaterThan(0);
      // Four classes, chance 25%: every model learnt the order of the markers (seeded runs here: teacher 95%, students 85% and 81.5%).
      expect(value(model, 'top1-accuracy')).toBeGreaterThan(50);
      expect(value(model, 'top1-accuracy')).toBeLessThanOrEqual(100);
    }
    expect(value('lstm teacher', 'top1-accuracy')).toBeGreaterThan(75);
    expect(value('gru distilled student', 'gain-over-hard-label')).toBeCloseTo(value('gru distilled student', 'top1-accuracy') - value('gru hard-label student', 'top1-accuracy'), 6);
    expect(value('gru distilled student', 'gap-to-teacher')).toBeCloseTo(value('lstm teacher', 'top1-accuracy') - value('gru distilled student', 'top1-accuracy'), 6);
    expect(value('gru distilled student', 'multiply-add-ratio')).toBeCloseTo(recurrentMultiplyAdds(4) / recurrentMultiplyAdds(3), 9);
    expect(messages.some((message) => message.includes('gru distilled student'))).toBe(true);
  }, 300_000);
});
