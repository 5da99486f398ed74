import { isWhittleError } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { measure, summarize } from './measure.ts';

describe('summarize', () => {
  test('odd count: the middle sample', () => {
    expect(summarize([0.3, 0.1, 0.2])).toEqual({ median: 0.2, min: 0.1, max: 0.3, samples: [0.3, 0.1, 0.2] });
  });

  test('even count: the mean of the two middle samples', () => {
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
  });

  test('one sample is its own median, min and max', () => {
    expect(summarize([7])).toMatchObject({ median: 7, min: 7, max: 7 });
  });

  test('no samples is an error', () => {
    expect(() => summarize([])).toThrow(/at least one sample/);
  });

  test('min ≤ median ≤ max, independent of order', () => {
    const samples = fc.array(fc.double({ min: 0, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 50 });
    fc.assert(
      fc.property(samples, (values) => {
        const summary = summarize(values);
        const reversed = summarize([...values].reverse());
        return (
          summary.min <= summary.median &&
          summary.median <= summary.max &&
          summary.median === reversed.median &&
          summary.min === Math.min(...values) &&
          summary.max === Math.max(...values)
        );
      }),
    );
  });
});

describe('measure', () => {
  /** A fake clock that advances by the next duration (ms) each time a run starts. */
  function scriptedClock(durations: number[]): { clock: () => number; tick: () => void } {
    let now = 0;
    let index = 0;
    return { clock: () => now, tick: () => (now += durations[index++] ?? 0) };
  }

  test('runs warmup untimed, then times each run in seconds', async () => {
    const { clock, tick } = scriptedClock([999, 999, 30, 10, 20]);
    let calls = 0;
    const result = await measure(
      () => {
        calls++;
        tick();
      },
      { warmup: 2, runs: 3, clock },
    );
    expect(calls).toBe(5);
    expect(result.samples).toEqual([0.03, 0.01, 0.02]);
    expect(result).toMatchObject({ median: 0.02, min: 0.01, max: 0.03 });
  });

  test('runs beforeEach untimed before every run, warm-up included', async () => {
    let now = 0;
    const calls: string[] = [];
    const result = await measure(
      () => {
        calls.push('task');
        now += 5;
      },
      {
        warmup: 1,
        runs: 2,
        clock: () => now,
        beforeEach: () => {
          calls.push('before');
          now += 100;
        },
      },
    );
    expect(calls).toEqual(['before', 'task', 'before', 'task', 'before', 'task']);
    expect(result.samples).toEqual([0.005, 0.005]);
  });

  test('awaits an async task before the next run starts', async () => {
    let running = 0;
    let overlapped = false;
    await measure(
      async () => {
        running++;
        overlapped ||= running > 1;
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
      },
      { warmup: 1, runs: 4 },
    );
    expect(overlapped).toBe(false);
  });

  test('rejects a run count below one and a negative warmup', async () => {
    await expect(measure(() => {}, { warmup: 0, runs: 0 })).rejects.toSatisfy((error) =>
      isWhittleError(error, 'invalid-argument'),
    );
    await expect(measure(() => {}, { warmup: -1, runs: 1 })).rejects.toThrow(/warmup/);
  });
});
