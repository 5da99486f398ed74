/**
 * The `distillation` suite's LSTM part: an LSTM classifier of the seeded temporal-order task and
 * its GRU student (`gruForLstm`) trained on hard labels and distilled.
 */
import type { ResultRow } from '../../result-row.ts';
import type { DistillationPart } from './distillation-part.ts';
import { temporalOrderSequences, type TemporalOrderOptions } from './lstm-gru-task.ts';
import { runLstmGru, type LstmGruOptions } from './lstm-gru.ts';

/** The sequences and the experiment, full and quick. */
export const LSTM_GRU_SETTINGS = {
  full: {
    // Sized so the whole part takes under 3 minutes on 2 shared cores (wasm backend).
    task: { minLength: 20, maxLength: 30, tokens: 8 },
    train: 2000,
    test: 1000,
    experiment: { units: 32, teacherEpochs: 10, studentEpochs: 4, batchSize: 64, learningRate: 1e-2, temperature: 2, alpha: 0.5, latencyRows: 64, warmup: 3, runs: 15, seed: 1 },
  },
  quick: {
    task: { minLength: 8, maxLength: 10, tokens: 6 },
    train: 400,
    test: 200,
    experiment: { units: 8, teacherEpochs: 4, studentEpochs: 4, batchSize: 50, learningRate: 2e-2, temperature: 2, alpha: 0.5, latencyRows: 8, warmup: 1, runs: 3, seed: 1 },
  },
} as const satisfies Record<string, { task: Omit<TemporalOrderOptions, 'count' | 'seed'>; train: number; test: number; experiment: LstmGruOptions }>;

/**
 * The part: params, multiply-adds, latency, test accuracy and train seconds of the LSTM teacher
 * and of its GRU student trained on hard labels and distilled, with the distilled student's gain
 * over its hard-label twin and its gap to the teacher in points, and the student's
 * multiply-add ratio and speedup against the teacher. Train and test sequences are drawn from
 * different seeds.
 *
 * @example
 * ```ts
 * const rows = await lstmGruPart({ quick: true, backend: 'wasm', progress: console.log });
 * ```
 */
export const lstmGruPart: DistillationPart = async ({ quick, backend, progress }) => {
  const settings = quick ? LSTM_GRU_SETTINGS.quick : LSTM_GRU_SETTINGS.full;
  const { task, experiment } = settings;
  const size = `temporal order ${settings.train}/${settings.test}, length ${task.minLength}-${task.maxLength}, ${task.tokens} tokens, lstm/gru ${experiment.units} units, ${experiment.teacherEpochs}/${experiment.studentEpochs} epochs, T ${experiment.temperature}, alpha ${experiment.alpha}`;
  progress(`lstmGru: ${size} on ${backend}`);
  const train = temporalOrderSequences({ ...task, count: settings.train, seed: experiment.seed });
  const test = temporalOrderSequences({ ...task, count: settings.test, seed: experiment.seed + 1 });
  const results = await runLstmGru(train, test, { ...experiment, progress: (message) => progress(`lstmGru: ${message}`) });
  const [teacher, hardLabel, distilled] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
  const rows: ResultRow[] = [];
  for (const result of results) {
    const row = (metric: string, value: number, unit: string): ResultRow => ({ suite: 'distillation', case: result.model, backend, size, metric, value, unit });
    rows.push(
      row('params', result.params, 'params'),
      row('multiply-adds', result.multiplyAdds, 'MACs'),
      row(`latency-batch-${experiment.latencyRows}`, result.latencyMilliseconds, 'ms'),
      row('top1-accuracy', result.accuracy, '%'),
      row('train-time', result.trainSeconds, 's'),
    );
  }
  const summary = (metric: string, value: number, unit: string): ResultRow => ({ suite: 'distillation', case: distilled.model, backend, size, metric, value, unit });
  rows.push(
    summary('gain-over-hard-label', distilled.accuracy - hardLabel.accuracy, 'points'),
    summary('gap-to-teacher', teacher.accuracy - distilled.accuracy, 'points'),
    summary('multiply-add-ratio', teacher.multiplyAdds / distilled.multiplyAdds, 'x'),
    summary('speedup', teacher.latencyMilliseconds / distilled.latencyMilliseconds, 'x'),
  );
  return rows;
};
