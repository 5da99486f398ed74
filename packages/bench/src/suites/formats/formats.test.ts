import * as tf from '@tensorflow/tfjs-core';
import { decodeToFloat32, useBackend } from '@whittle/core';
import { openSafetensorsFile, readTfjsModelFile } from '@whittle/core/fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { copyFileThroughMemory } from './copy-file.ts';
import { writeDenseCheckpoint } from './dense-checkpoint.ts';
import { runRewriteChild } from './rewrite-child.ts';
import { runFormatsSuite } from './run-formats.ts';
import type { FormatsSizes } from './sizes.ts';
import { readShards, writeStockUint8Artifact } from './stock-artifact.ts';

// Tiny inputs: the harness logic is tested here, never the timings.
const TINY: FormatsSizes = {
  tfjsWeights: [
    [64, 100],
    [3, 7],
  ],
  shardBytes: 1000,
  safetensorsLayers: 2,
  safetensorsSide: 64,
  timed: { warmup: 0, runs: 1 },
  copyTimed: { warmup: 0, runs: 1 },
  rewriteRuns: 2,
};

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-bench-test-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('the stock artifact decodes bit for bit alike with whittle and with tf.io.decodeWeights', async () => {
  await useBackend('cpu');
  const artifact = await writeStockUint8Artifact(directory, TINY.tfjsWeights, { shardBytes: TINY.shardBytes, seed: 1 });
  expect(artifact.byteLength).toBe(64 * 100 + 21);
  // Weights span shard edges: 6,421 bytes in shards of 1,000.
  expect(artifact.shards).toHaveLength(7);
  const model = await readTfjsModelFile(artifact.modelJson);
  expect([...model.params.values()].map((param) => param.value.kind)).toEqual(['affine', 'affine']);
  const tensors = tf.io.decodeWeights(await readShards(artifact.shards), artifact.weightSpecs.map((spec) => ({ ...spec })));
  for (const param of model.params.values()) {
    const ours = decodeToFloat32(param.value).data;
    const theirs = tensors[param.name]!.dataSync() as Float32Array;
    expect(new Uint32Array(ours.buffer, ours.byteOffset, ours.length)).toEqual(new Uint32Array(theirs.buffer, theirs.byteOffset, theirs.length));
  }
  tf.dispose(Object.values(tensors));
});

test('the checkpoint streams out readable; a child rewrites it and reports its own time and peak RSS', async () => {
  await mkdir(join(directory, 'in'));
  await mkdir(join(directory, 'out'));
  const input = join(directory, 'in', 'model.safetensors');
  const checkpoint = await writeDenseCheckpoint(input, { layers: 2, side: 8, seed: 3 });
  expect((await stat(input)).size).toBe(checkpoint.byteLength);
  expect(checkpoint.largestParamBytes).toBe(8 * 8 * 4);

  const output = join(directory, 'out', 'model.safetensors');
  const figures = await runRewriteChild('rewrite', input, output);
  expect(figures.seconds).toBeGreaterThan(0);
  expect(figures.peakRssBytes).toBeGreaterThan(10e6);
  expect(figures.peakRssBytes).toBeGreaterThanOrEqual(process.platform === 'linux' ? figures.sampledPeakRssBytes : 0);
  expect(figures.peakRssSource).toBe(process.platform === 'linux' ? 'VmHWM' : 'sampled');

  const [before, after] = [await openSafetensorsFile(input), await openSafetensorsFile(output)];
  try {
    expect([...after.header.tensors.keys()]).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
    for (const name of before.header.tensors.keys()) {
      expect((await after.readTensor(name)).data).toEqual((await before.readTensor(name)).data);
    }
  } finally {
    await before.close();
    await after.close();
  }
  expect(await copyFileThroughMemory(input, join(directory, 'out', 'copy.bin'))).toBe(checkpoint.byteLength);
});

test('a failing child is an error with its reason', async () => {
  await expect(runRewriteChild('rewrite', join(directory, 'missing.safetensors'), join(directory, 'out.safetensors'))).rejects.toThrow(
    /rewrite child process exited with status 1: .*missing\.safetensors/,
  );
});

test('the suite reports every case and leaves no temporary files', async () => {
  const messages: string[] = [];
  const { rows, backends } = await runFormatsSuite({ onProgress: (message) => messages.push(message) }, TINY, directory);
  expect(await readdir(directory)).toEqual([]);
  expect(backends.map(({ name }) => name)).toEqual(['cpu']);
  expect(messages.length).toBeGreaterThan(5);
  expect(rows.map((row) => [row.case, row.backend, row.unit])).toEqual([
    ['tfjs-read-decode-whittle', 'js', 'MB/s'],
    ['tfjs-read-decode-tfjs', 'cpu', 'MB/s'],
    ['tfjs-decode-whittle', 'js', 'MB/s'],
    ['tfjs-decode-tfjs', 'cpu', 'MB/s'],
    ['safetensors-rewrite', 'js', 'MB/s'],
    ['safetensors-rewrite-peak-rss', 'js', 'MB'],
    ['node-baseline-peak-rss', 'js', 'MB'],
  ]);
  for (const row of rows) {
    expect(row.suite).toBe('formats');
    expect(row.value).toBeGreaterThan(0);
  }
  const [readDecode, readDecodeTfjs, decode, decodeTfjs, rewrite] = rows;
  expect(readDecode!.peer).toEqual({ name: 'tf.io.decodeWeights', value: readDecodeTfjs!.value });
  expect(readDecode!.bound).toBe(readDecodeTfjs!.bound);
  expect(decode!.bound).toBe(decodeTfjs!.bound);
  expect(decode!.bound).toBeGreaterThan(0);
  expect(decode!.peer).toEqual({ name: 'tf.io.decodeWeights', value: decodeTfjs!.value });
  expect(rewrite!.bound).toBeGreaterThan(0);
});
