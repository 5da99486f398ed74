import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { classifierMetrics, EMPTY_TALLY, tallyBatch } from './classifier-tally.ts';

/** Rows of logits (classes ≥ 2) with a label each. */
const examples = fc.integer({ min: 2, max: 6 }).chain((classes) =>
  fc.record({
    classes: fc.constant(classes),
    rows: fc.array(
      fc.record({
        logits: fc.array(fc.float({ min: -20, max: 20, noNaN: true, noDefaultInfinity: true }), { minLength: classes, maxLength: classes }),
        label: fc.integer({ min: 0, max: classes - 1 }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
  }),
);

/** As {@link examples}, with logits on a grid of quarters, which a shift by an integer keeps exact in float32. */
const gridExamples = fc.integer({ min: 2, max: 6 }).chain((classes) =>
  fc.record({
    classes: fc.constant(classes),
    rows: fc.array(
      fc.record({
        logits: fc.array(fc.integer({ min: -80, max: 80 }).map((value) => value / 4), { minLength: classes, maxLength: classes }),
        label: fc.integer({ min: 0, max: classes - 1 }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
  }),
);

/** Plain reference: argmax (first on ties) and −log of the softmax at the label, row by row. */
function reference(rows: readonly { logits: number[]; label: number }[]): { accuracy: number; loss: number } {
  let correct = 0;
  let loss = 0;
  for (const { logits, label } of rows) {
    const f32 = logits.map(Math.fround);
    if (f32.indexOf(Math.max(...f32)) === label) correct++;
    const denominator = f32.reduce((sum, value) => sum + Math.exp(value), 0);
    loss -= Math.log(Math.exp(f32[label]!) / denominator);
  }
  return { accuracy: (100 * correct) / rows.length, loss: loss / rows.length };
}

function tallyRows(classes: number, rows: readonly { logits: number[]; label: number }[], batch: number) {
  let tally = EMPTY_TALLY;
  for (let start = 0; start < rows.length; start += batch) {
    const part = rows.slice(start, start + batch);
    tally = tallyBatch(tally, Float32Array.from(part.flatMap(({ logits }) => logits)), classes, part.map(({ label }) => label));
  }
  return tally;
}

describe('tallyBatch', () => {
  test('matches plain softmax cross-entropy and argmax, whatever the batching', () => {
    fc.assert(
      fc.property(examples, fc.integer({ min: 1, max: 8 }), ({ classes, rows }, batch) => {
        const expected = reference(rows);
        const metrics = classifierMetrics(tallyRows(classes, rows, batch));
        const whole = classifierMetrics(tallyRows(classes, rows, rows.length));
        expect(metrics.examples).toBe(rows.length);
        expect(metrics.accuracy).toBeCloseTo(expected.accuracy, 9);
        expect(metrics.loss).toBeCloseTo(expected.loss, 5);
        expect(metrics.loss).toBeGreaterThanOrEqual(0);
        expect(metrics.correct).toBe(whole.correct);
        expect(metrics.loss).toBeCloseTo(whole.loss, 9);
      }),
    );
  });

  test('logits shifted by a constant per row score the same', () => {
    fc.assert(
      fc.property(gridExamples, fc.integer({ min: -50, max: 50 }), ({ classes, rows }, shift) => {
        const shifted = rows.map(({ logits, label }) => ({ logits: logits.map((value) => value + shift), label }));
        const before = classifierMetrics(tallyRows(classes, rows, 4));
        const after = classifierMetrics(tallyRows(classes, shifted, 4));
        expect(after.correct).toBe(before.correct);
        expect(after.loss).toBeCloseTo(before.loss, 3);
      }),
    );
  });

  test('probability rows are scored as probabilities, clipped at 1e-7', () => {
    const outputs = Float32Array.of(0.7, 0.2, 0.1, 0, 0, 1, 0.25, 0.25, 0.5);
    const metrics = classifierMetrics(tallyBatch(EMPTY_TALLY, outputs, 3, [0, 0, 2]));
    expect(metrics.outputs).toBe('probabilities');
    expect(metrics.correct).toBe(2);
    expect(metrics.loss).toBeCloseTo((-Math.log(Math.fround(0.7)) - Math.log(1e-7) - Math.log(0.5)) / 3, 6);
    expect(classifierMetrics(tallyBatch(EMPTY_TALLY, Float32Array.of(0.7, 0.2, 0.2), 3, [0])).outputs).toBe('logits');
  });
});
