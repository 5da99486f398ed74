import { expect, test } from 'vitest';
import { measureInterleaved } from './measure-interleaved.ts';

test('runs the tasks in turn, rotating who goes first, and times each in seconds after the warm-up', async () => {
  let now = 0;
  const order: string[] = [];
  const task = (name: string, milliseconds: number) => () => {
    order.push(name);
    now += milliseconds;
  };
  const result = await measureInterleaved({ a: task('a', 10), b: task('b', 30) }, { warmup: 1, runs: 3, clock: () => now });
  expect(order).toEqual(['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
  expect(result.a.samples).toEqual([0.01, 0.01, 0.01]);
  expect(result.b).toMatchObject({ median: 0.03, min: 0.03, max: 0.03 });
});

test('runs beforeEach untimed before every run of every task', async () => {
  let now = 0;
  let before = 0;
  const result = await measureInterleaved(
    { a: () => void (now += 1), b: () => void (now += 2) },
    { warmup: 1, runs: 2, clock: () => now, beforeEach: () => void (before++, (now += 50)) },
  );
  expect(before).toBe(6);
  expect(result.a.samples).toEqual([0.001, 0.001]);
  expect(result.b.samples).toEqual([0.002, 0.002]);
});

test('awaits each task before the next starts', async () => {
  let running = 0;
  let overlapped = false;
  const task = async () => {
    running++;
    overlapped ||= running > 1;
    await new Promise((resolve) => setTimeout(resolve, 1));
    running--;
  };
  await measureInterleaved({ first: task, second: task }, { warmup: 0, runs: 2 });
  expect(overlapped).toBe(false);
});

test('rejects no tasks, a run count below one and a negative warmup', async () => {
  await expect(measureInterleaved({}, { warmup: 0, runs: 1 })).rejects.toThrow(/at least one task/);
  await expect(measureInterleaved({ a: () => {} }, { warmup: 0, runs: 0 })).rejects.toThrow(/runs/);
  await expect(measureInterleaved({ a: () => {} }, { warmup: -1, runs: 1 })).rejects.toThrow(/warmup/);
});
