import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { KERNEL_CASES, KMEANS_DISTRIBUTIONS, kernelsSuite } from './kernels.ts';
import { runKernelChild } from './kernels/kernel-child-process.ts';

// The quick suite (1M weights, each case in its own process) takes about a minute on a busy
// machine: run it whole; timings are never asserted, only the shape of what it reports.
test('kernels --quick: every case in its own process, with its spread, bound, peers and the notes', async () => {
  const progress: string[] = [];
  const { rows, notes } = await kernelsSuite.run({ quick: true, onProgress: (message) => progress.push(message) });
  const kernelRows = rows.filter((row) => row.size === '1024x1024');
  // One row per peer a case measured (its fresh-output twin, tfjs, the native block quantizer).
  expect([...new Set(kernelRows.map((row) => row.case))]).toEqual(KERNEL_CASES.map(({ name }) => name));
  const bound = kernelRows[0]!;
  expect(bound.case).toBe('copy-into-reused-buffer');
  expect(bound.bound).toBe(bound.value);
  // Rows run back to back are against the copy run back to back.
  const backToBackBound = kernelRows.find((row) => row.case === 'copy-into-reused-buffer-back-to-back')!;
  expect(backToBackBound.bound).toBe(backToBackBound.value);
  for (const row of kernelRows) {
    const expected = row.case.endsWith('-back-to-back') ? backToBackBound.value : bound.value;
    expect(row).toMatchObject({ suite: 'kernels', backend: 'js', metric: 'throughput', unit: 'params/s', bound: expected });
    expect(row.spread!.min).toBeGreaterThan(0);
    expect(row.spread!.min).toBeLessThanOrEqual(row.value);
    expect(row.value).toBeLessThanOrEqual(row.spread!.max);
  }
  expect(kernelRows.find((row) => row.case === 'dequantize-uint8-stock')!.peer).toMatchObject({ name: 'tf.io.decodeWeights' });
  const peersOf = (name: string) => kernelRows.filter((row) => row.case === name).map((row) => row.peer?.name);
  expect(peersOf('quantize-int8-channel-rows')).toEqual(['whittle, fresh outputs']);
  for (const name of ['dequantize-int8-channel-in-place', 'dequantize-int4-group32-in-place', 'dequantize-uint8-stock-in-place']) {
    expect(peersOf(name)).toEqual(['whittle, reused array']);
  }
  for (const name of ['quantize-int8-channel-in-place', 'quantize-int8-channel-rows-in-place']) expect(peersOf(name)).toEqual(['whittle, plain array']);
  expect(notes!.join('\n')).toMatch(/^…-in-place rows: .+affineKernelInput.+decodeKernelOutput/m);
  const native = notes!.find((note) => note.startsWith('native peers'));
  if (native === undefined) {
    // No C compiler: the note says so and the rows carry only the JS peers.
    expect(notes!.join('\n')).toMatch(/^no native q4_0 \/ q8_0 peer: /m);
    expect(peersOf('quantize-int4-group32')).toEqual(['whittle, fresh outputs']);
    expect(peersOf('quantize-int4-group32-back-to-back')).toEqual([undefined]);
  } else {
    expect(peersOf('quantize-int4-group32-back-to-back')).toEqual(['q4_0 reference in C']);
    // One measurement of the C program serves both int4 rows.
    const q4 = (name: string) => kernelRows.find((row) => row.case === name && row.peer?.name === 'q4_0 reference in C')!.peer!.value;
    expect(q4('quantize-int4-group32-back-to-back')).toBe(q4('quantize-int4-group32'));
    expect(native).toMatch(/built with \S+ -O3/);
    expect(peersOf('quantize-int4-group32')).toEqual(['whittle, fresh outputs', 'q4_0 reference in C']);
    expect(peersOf('quantize-int8-channel')).toEqual(['whittle, fresh outputs', 'q8_0 reference in C']);
    for (const row of kernelRows.filter((candidate) => candidate.peer?.name.endsWith('reference in C'))) expect(row.peer!.value).toBeGreaterThan(0);
  }
  expect(progress).toContain('quantize-int4-group32-after-int8 1024x1024 in a fresh process');

  const kmeansRows = rows.filter((row) => row.case.startsWith('kmeans-4bit'));
  expect(kmeansRows.map((row) => [row.case, row.metric, row.peer?.name])).toEqual(
    KMEANS_DISTRIBUTIONS.flatMap((distribution) => [
      [`kmeans-4bit-${distribution}`, 'throughput', 'ml-kmeans'],
      [`kmeans-4bit-${distribution}`, 'throughput', 'skmeans'],
      [`kmeans-4bit-${distribution}`, 'sse / optimal', 'ml-kmeans'],
      [`kmeans-4bit-${distribution}`, 'sse / optimal', 'skmeans'],
    ]),
  );
  for (const row of kmeansRows.filter((candidate) => candidate.metric === 'sse / optimal')) {
    // Nothing beats the optimal clustering (up to rounding of the sums).
    expect(row.value).toBeGreaterThan(1 - 1e-9);
    expect(row.peer!.value).toBeGreaterThan(1 - 1e-9);
  }
  expect(notes!.join('\n')).toMatch(/fresh Node process/);
  // Warm-up by weights: 64 untimed runs at 1M, as many weights as one run at 64M.
  expect(notes!.join('\n')).toMatch(/untimed ones of as many weights as one run at 8192x8192 \(64 at 1024x1024;/);
  expect(notes!.join('\n')).toMatch(/^bound: copy-into-reused-buffer.+not a floor/m);
  expect(notes!.join('\n')).toMatch(/^load average \(1, 5, 15 min\): [\d.]+, [\d.]+, [\d.]+ at the start, [\d.]+, [\d.]+, [\d.]+ at the end$/m);
}, 600_000);

test('a case that runs after another does that work first in the same process', async () => {
  const result = await runKernelChild({ case: 'quantize-int4-group32', side: 64, warmup: 0, runs: 2, before: ['quantize-int8-channel'] });
  expect(Object.keys(result.samples)).toEqual(['whittle', 'whittle, fresh outputs']);
  expect(result.samples.whittle).toHaveLength(2);
});

test('a case run back to back times whittle alone', async () => {
  const result = await runKernelChild({ case: 'quantize-int4-group32', side: 64, warmup: 1, runs: 3, backToBack: true });
  expect(Object.keys(result.samples)).toEqual(['whittle']);
  expect(result.samples.whittle).toHaveLength(3);
});

test('a failing case is an error with its reason', async () => {
  await expect(runKernelChild({ case: 'no-such-case', side: 8, warmup: 0, runs: 1 })).rejects.toThrow(
    /no-such-case child process exited with status 1: unknown case "no-such-case"/,
  );
});

test('a native peer that fails to run leaves its rows without it, and a note says why', async () => {
  // A "compiler" that builds a program which always fails, as one too large for the machine would.
  const folder = mkdtempSync(join(tmpdir(), 'whittle-broken-cc-'));
  const compiler = join(folder, 'cc');
  writeFileSync(
    compiler,
    '#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\nprintf \'#!/bin/sh\\necho cannot run here >&2\\nexit 3\\n\' > "$2"\nchmod +x "$2"\n',
  );
  chmodSync(compiler, 0o755);
  const saved = process.env.CC;
  process.env.CC = compiler;
  try {
    const { rows, notes } = await kernelsSuite.run({ quick: true });
    const int4 = rows.filter((row) => row.case === 'quantize-int4-group32');
    expect(int4.map((row) => row.peer?.name)).toEqual(['whittle, fresh outputs']);
    expect(notes!.join('\n')).toMatch(/^quantize-int4-group32 1024x1024: no q4_0 reference in C row: the native q4_0 peer failed: cannot run here$/m);
  } finally {
    if (saved === undefined) delete process.env.CC;
    else process.env.CC = saved;
    rmSync(folder, { recursive: true, force: true });
  }
}, 600_000);
