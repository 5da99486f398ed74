import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@whittle/core';
import { MLP_DISTILLATION_SETTINGS, mlpDistillationPart } from './mlp-distillation-part.ts';

const quick = MLP_DISTILLATION_SETTINGS.quick.experiment;

beforeAll(async () => {
  await useBackend('cpu', { gradients: true });
}, 120_000);

/** Weights and biases of a Dense MLP with these widths. */
const mlpParams = (widths: readonly number[]): number => widths.slice(1).reduce((total, units, index) => total + widths[index]! * units + units, 0);

describe('mlpDistillationPart (quick)', () => {
  it('reports params, accuracy and train time of the teacher and both students, and the distilled student’s gain and gap', async () => {
    const messages: string[] = [];
    const rows = await mlpDistillationPart({ quick: true, backend: 'cpu', progress: (message) => messages.push(message) });
    expect(rows.map((row) => `${row.case} ${row.metric} ${row.unit}`)).toEqual([
      'mlp teacher params params',
      'mlp teacher top1-accuracy %',
      'mlp teacher train-time s',
      'mlp hard-label student params params',
      'mlp hard-label student top1-accuracy %',
      'mlp hard-label student train-time s',
      'mlp distilled student params params',
      'mlp distilled student top1-accuracy %',
      'mlp distilled student train-time s',
      'mlp distilled student gain-over-hard-label points',
      'mlp distilled student gap-to-teacher points',
    ]);
    expect(rows.every((row) => row.suite === 'distillation' && row.backend === 'cpu' && row.size.includes(`T ${quick.temperature}, alpha ${quick.alpha}`))).toBe(true);
    const value = (name: string, metric: string): number => rows.find((row) => row.case === `mlp ${name}` && row.metric === metric)!.value;
    // The parameter counts come from the architectures, counted independently here.
    expect(value('teacher', 'params')).toBe(mlpParams([784, 128, 10]));
    expect(value('hard-label student', 'params')).toBe(mlpParams([784, 8, 10]));
    expect(value('distilled student', 'params')).toBe(mlpParams([784, 8, 10]));
    expect(value('teacher', 'params') / value('distilled student', 'params')).toBeGreaterThanOrEqual(10);
    // Real digits, learnt: far above chance (10%) for all three.
    expect(value('teacher', 'top1-accuracy')).toBeGreaterThan(70);
    expect(value('hard-label student', 'top1-accuracy')).toBeGreaterThan(30);
    expect(value('distilled student', 'top1-accuracy')).toBeGreaterThan(30);
    for (const name of ['teacher', 'hard-label student', 'distilled student']) expect(value(name, 'train-time')).toBeGreaterThan(0);
    expect(value('distilled student', 'gain-over-hard-label')).toBeCloseTo(value('distilled student', 'top1-accuracy') - value('hard-label student', 'top1-accuracy'), 6);
    expect(value('distilled student', 'gap-to-teacher')).toBeCloseTo(value('teacher', 'top1-accuracy') - value('distilled student', 'top1-accuracy'), 6);
    expect(messages.some((message) => message.includes('distilled student'))).toBe(true);
  }, 300_000);
});
