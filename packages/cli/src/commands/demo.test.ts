import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadMnistDigits, splitDigits, type Digits } from '@whittle/bench';
import { whittleFileHandler } from '@whittle/core/fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { QUICK_DEMO_CONFIG, type DemoConfig } from '../demo/demo-config.ts';
import { DEEP_COMPRESSION_PAPER, type DemoResult } from '../demo/demo-result.ts';
import { formatDemoResult } from '../format/demo-report.ts';
import { loadStockLayersModel } from '../stock-layers-model.test-support.ts';
import { recordingIo } from '../test-io.ts';
import { runDemo } from './demo.ts';

// --quick's schedules on fewer digits, so the whole pipeline runs end to end in a test.
const TEST_CONFIG: DemoConfig = { ...QUICK_DEMO_CONFIG, trainDigits: 2000, testDigits: 500 };
const ROWS = ['deep-compression', 'deep-compression-searched', 'int8', 'int4-g32', 'kmeans-4bit', 'uint8-stock', 'float16', 'prune-structured-50', 'lowrank-25', 'distilled-student'];
const STOCK_ROWS = ['uint8-stock', 'float16', 'prune-structured-50', 'lowrank-25'];

let out: string;
let json: string;
let err: string;
let result: DemoResult;
let testDigits: Digits;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'whittle-demo-test-'));
  const io = recordingIo();
  await runDemo({ model: 'lenet-300-100', json: true, out, quick: true }, io, { config: TEST_CONFIG });
  json = io.out();
  err = io.err();
  result = JSON.parse(json) as DemoResult;
  testDigits = splitDigits(await loadMnistDigits(), { train: TEST_CONFIG.trainDigits, test: TEST_CONFIG.testDigits, seed: TEST_CONFIG.splitSeed }).test;
}, 420_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

test('stdout is the JSON result only, with every field of the fixed shape a number (or null), never a string such as "Infinity"', () => {
  expect(json.trimEnd().startsWith('{') && json.trimEnd().endsWith('}')).toBe(true);
  expect(json).not.toMatch(/Infinity|NaN/);
  expect(result.dataset).toEqual({ name: 'mnist', train: 2000, test: 500 });
  expect(result.models.map(({ name }) => name)).toEqual(['lenet-300-100']);
  const [model] = result.models;
  expect(model!.baseline.params).toBe(266_610);
  expect(model!.baseline.bytes).toBeGreaterThan(4 * 266_610);
  expect(model!.baseline.accuracy).toBeGreaterThan(80);
  expect(model!.rows.map(({ name }) => name)).toEqual(ROWS);
  const numberOrNull = (value: unknown) => value === null || (typeof value === 'number' && Number.isFinite(value));
  for (const row of model!.rows) {
    for (const field of ['params', 'nonzero', 'bytes', 'gzipBytes', 'accuracy', 'accuracyChange'] as const) {
      expect(typeof row[field], `${row.name}.${field}`).toBe('number');
      expect(Number.isFinite(row[field]), `${row.name}.${field}`).toBe(true);
    }
    for (const field of ['ratio', 'latencyMs', 'speedup'] as const) expect(numberOrNull(row[field]), `${row.name}.${field}`).toBe(true);
    expect(Array.isArray(row.recipe)).toBe(true);
    expect(row.ratio).toBeCloseTo(model!.baseline.bytes / row.bytes, 9);
    expect(row.accuracyChange).toBeCloseTo(row.accuracy - model!.baseline.accuracy, 9);
    expect(row.nonzero).toBeLessThanOrEqual(row.params);
    expect(row.gzipBytes).toBeGreaterThan(0);
    for (const layer of row.layers) {
      for (const field of ['weights', 'keptPercent', 'bytes', 'sharePercent'] as const) expect(typeof layer[field]).toBe('number');
      for (const field of ['weightBits', 'indexBits'] as const) expect(numberOrNull(layer[field])).toBe(true);
    }
  }
});

test('progress goes to stderr as plain lines, naming each row as it is made', () => {
  const lines = err.trimEnd().split('\n');
  expect(lines.every((line) => line.startsWith('demo: '))).toBe(true);
  expect(err).toMatch(/^demo: lenet-300-100: baseline trained in \d+\.\d s, \d+\.\d\d% on 500 test digits$/m);
  for (const row of ROWS) expect(err).toMatch(new RegExp(`^demo: lenet-300-100 ${row}: \\d+\\.\\d× smaller, `, 'm'));
});

test('every row is saved under --out with the report beside them, and its bytes are the files on disk', async () => {
  expect((await readFile(join(out, 'report.html'), 'utf8')).length).toBeGreaterThan(1000);
  for (const row of result.models[0]!.rows) {
    const directory = join(out, 'lenet-300-100', row.name);
    const files = await readdir(directory);
    expect(files).toContain('model.json');
    let bytes = 0;
    for (const file of files) bytes += (await stat(join(directory, file))).size;
    expect(bytes, row.name).toBe(row.bytes);
  }
});

async function accuracyOf(model: tfl.LayersModel, digits: Digits): Promise<number> {
  const images = tf.tensor2d(digits.images, [digits.count, 784]);
  const predicted = tf.tidy(() => tf.argMax(model.predict(images) as tf.Tensor, 1));
  const classes = await predicted.data();
  tf.dispose([images, predicted]);
  let correct = 0;
  for (let row = 0; row < digits.count; row++) if (classes[row] === digits.labels[row]) correct++;
  return (100 * correct) / digits.count;
}

test('the stock rows load in stock tfjs from disk, with the accuracy the demo reports', async () => {
  for (const name of STOCK_ROWS) {
    const row = result.models[0]!.rows.find((candidate) => candidate.name === name)!;
    const model = await loadStockLayersModel(join(out, 'lenet-300-100', name));
    try {
      expect(model.countParams(), name).toBe(row.params);
      // Stock tfjs decodes as whittle's runner does: at most one digit may round the other way.
      expect(Math.abs((await accuracyOf(model, testDigits)) - row.accuracy), name).toBeLessThanOrEqual(100 / testDigits.count + 1e-9);
    } finally {
      model.dispose();
    }
  }
});

test("deep-compression's per-layer kept shares are the nonzero counts of the saved weights, beside the paper's rows", async () => {
  const row = result.models[0]!.rows.find(({ name }) => name === 'deep-compression')!;
  expect(row.layers.map(({ layer }) => layer)).toEqual(['ip1', 'ip2', 'ip3']);
  const model = await tfl.loadLayersModel(whittleFileHandler(join(out, 'lenet-300-100', 'deep-compression', 'model.json')));
  try {
    for (const layerRow of row.layers) {
      const weights = model.getLayer(layerRow.layer).getWeights();
      let nonzero = 0;
      let count = 0;
      for (const weight of weights) {
        const values = await weight.data();
        count += values.length;
        for (const value of values) if (value !== 0) nonzero++;
      }
      expect(layerRow.weights).toBe(count);
      expect(layerRow.keptPercent).toBeCloseTo((100 * nonzero) / count, 9);
      expect(layerRow.weightBits).toBe(TEST_CONFIG.models['lenet-300-100'].deepCompression.weightBits);
      expect(layerRow.indexBits).toBe(TEST_CONFIG.models['lenet-300-100'].deepCompression.indexBits);
      expect(layerRow.paper).toEqual(DEEP_COMPRESSION_PAPER['lenet-300-100'].layers.find(({ layer }) => layer === layerRow.layer));
    }
    // Pruned to a small share of the weights in all: the stored model is many times smaller.
    expect(row.nonzero).toBeLessThan(0.1 * row.params);
    expect(row.ratio).toBeGreaterThan(20);
  } finally {
    model.dispose();
  }
});

test('deep-compression-searched fits its budget, the float32 files over 50, counted on disk; its per-layer table shows the sparsity and bits its recipe gave each layer', async () => {
  const model = result.models[0]!;
  const row = model.rows.find(({ name }) => name === 'deep-compression-searched')!;
  const filesBytes = async (directory: string) => {
    let bytes = 0;
    for (const file of await readdir(directory)) bytes += (await stat(join(directory, file))).size;
    return bytes;
  };
  const baselineBytes = await filesBytes(join(out, 'lenet-300-100', 'baseline'));
  expect(row.budgetBytes).toBe(Math.floor(baselineBytes / TEST_CONFIG.models['lenet-300-100'].deepCompression.search.ratio));
  expect(await filesBytes(join(out, 'lenet-300-100', 'deep-compression-searched'))).toBeLessThanOrEqual(row.budgetBytes!);
  expect(row.ratio).toBeGreaterThanOrEqual(50);
  expect(model.rows.find(({ name }) => name === 'deep-compression')!.budgetBytes).toBeUndefined();

  const recipe = row.recipe as { kind: string; sparsities?: Record<string, number>; bits?: number; include?: string[] }[];
  const sparsities = recipe.find(({ kind }) => kind === 'prune.gradual')!.sparsities!;
  const { search } = TEST_CONFIG.models['lenet-300-100'].deepCompression;
  const stored = await tfl.loadLayersModel(whittleFileHandler(join(out, 'lenet-300-100', 'deep-compression-searched', 'model.json')));
  try {
    expect(row.layers.map(({ layer }) => layer)).toEqual(['ip1', 'ip2', 'ip3']);
    for (const layerRow of row.layers) {
      const sparsity = sparsities[`${layerRow.layer}/kernel`];
      const bits = recipe.find(({ kind, include }) => kind === 'quantize.kmeans' && include?.includes(`${layerRow.layer}/kernel`))?.bits;
      if (sparsity === undefined) {
        expect(bits, layerRow.layer).toBeUndefined();
        continue;
      }
      // Each choice is one of the candidates the search was given.
      expect(search.sparsities).toContain(sparsity);
      expect(search.bits).toContain(bits);
      expect(layerRow.weightBits, layerRow.layer).toBe(bits);
      const kernel = await stored.getLayer(layerRow.layer).getWeights()[0]!.data();
      let nonzero = 0;
      for (const value of kernel) if (value !== 0) nonzero++;
      expect(Math.abs(nonzero - (1 - sparsity) * kernel.length), layerRow.layer).toBeLessThanOrEqual(Math.max(2, 0.005 * kernel.length));
      const distinct = new Set(kernel.filter((value) => value !== 0));
      expect(distinct.size, layerRow.layer).toBeLessThanOrEqual(2 ** bits!);
    }
  } finally {
    stored.dispose();
  }
});

test('the distilled student has at least 10× fewer params; structured pruning and factorization store fewer', () => {
  const rows = new Map(result.models[0]!.rows.map((row) => [row.name, row]));
  expect(rows.get('distilled-student')!.params * 10).toBeLessThanOrEqual(266_610);
  expect(rows.get('prune-structured-50')!.params).toBeLessThan(266_610);
  expect(rows.get('lowrank-25')!.params).toBeLessThan(0.3 * 266_610);
  expect(rows.get('float16')!.ratio).toBeGreaterThan(1.9);
  expect(rows.get('int8')!.ratio).toBeGreaterThan(3.5);
});

test('the table shows every row and the per-layer table beside the paper', () => {
  const text = formatDemoResult(result);
  expect(text).toMatch(/^lenet-300-100: baseline 266,610 params, /m);
  for (const row of ROWS) expect(text).toMatch(new RegExp(`^${row}\\s+[\\d,]+\\s`, 'm'));
  expect(text).toMatch(/^ip1\s+235,500\s+\d+\.\d%\s+5\s+5\s.*\s8%\s+6 \/ 5$/m);
});
