import { DOMParser } from '@xmldom/xmldom';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { buildLayersModel, saveLayersModel, writeTestSafetensors } from '../test-models.ts';

let directory: string;
let tfjsModel: string;
let safetensors: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-profile-'));
  tfjsModel = join(directory, 'mlp');
  await saveLayersModel(await buildLayersModel(), tfjsModel);
  safetensors = join(directory, 'model.safetensors');
  await writeTestSafetensors(safetensors);
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('whittle profile on the test MLP (32 → 64 → 10)', () => {
  test('the table shows each layer with params, bytes, FLOPs, activations, time and shares', async () => {
    const { status, out, err } = await runRecorded('profile', tfjsModel, '--backend', 'cpu', '--runs', '2');
    expect(err).toBe('');
    expect(status).toBe(0);
    expect(out).toMatch(/^layer\s+type\s+params\s+bytes\s+FLOPs\s+activations\s+ms\s+params %\s+bytes %\s+FLOPs %\s+time %$/m);
    // hidden: 32 × 64 + 64 params, 32 × 64 multiply-adds, 64 float32 outputs.
    expect(out).toMatch(/^hidden\s+Dense\s+2,112\s+8\.45 kB\s+2\.05 k\s+256 B\s+\d+\.\d{3}\s+76\.5\s+76\.5\s+76\.2\s+\d+\.\d$/m);
    expect(out).toMatch(/^logits\s+Dense\s+650\s+2\.60 kB\s+640\s+40 B\s+/m);
    expect(out).toMatch(/^total\s+2,762\s+11\.0 kB\s+2\.69 k\s+/m);
    expect(out).toMatch(/whole model \d+\.\d{3} ms, layers alone \d+\.\d{3} ms in all/);
  }, 120_000);

  test('--json holds numbers or null, and --input-shape sets the batch', async () => {
    const { status, out } = await runRecorded('profile', tfjsModel, '--backend', 'cpu', '--runs', '1', '--json', '--input-shape', '4,32');
    expect(status).toBe(0);
    expect(out).not.toMatch(/Infinity|NaN/);
    const result = JSON.parse(out);
    expect(result.inputShapes).toEqual([[4, 32]]);
    const hidden = result.layers.find((layer: { name: string }) => layer.name === 'hidden');
    expect(hidden).toMatchObject({ params: 2112, bytes: 8448, flops: 4 * 32 * 64, activationBytes: 4 * 64 * 4, outputShapes: [[4, 64]] });
    expect(typeof result.totals.modelMilliseconds).toBe('number');
    expect(typeof result.totals.layerMilliseconds).toBe('number');
  }, 120_000);

  test('--svg writes a well-formed chart with one bar per layer and series', async () => {
    const chart = join(directory, 'profile.svg');
    const { status, err } = await runRecorded('profile', tfjsModel, '--backend', 'cpu', '--runs', '1', '--svg', chart);
    expect(err).toBe('');
    expect(status).toBe(0);
    const document = new DOMParser({ onError: (level, message) => { throw new Error(`${level}: ${message}`); } }).parseFromString(await readFile(chart, 'utf8'), 'image/svg+xml');
    expect(document.documentElement!.tagName).toBe('svg');
    const bars = Array.from(document.getElementsByTagName('path')).filter((path) => path.getAttribute('aria-roledescription') === 'bar');
    // Three layers (the input, hidden, logits), each with params, FLOPs and time.
    expect(bars).toHaveLength(3 * 3);
    const labels = bars.map((bar) => bar.getAttribute('aria-label') ?? '');
    // A bar's label names its layer (with its position) and series.
    for (const layer of ['1 hidden_input', '2 hidden', '3 logits']) for (const series of ['params', 'FLOPs', 'time']) {
      expect(labels.filter((label) => label.includes(`layer: ${layer};`) && label.includes(`series: ${series};`)), `${layer} ${series}`).toHaveLength(1);
    }
    // Without --force an existing chart is kept.
    const again = await runRecorded('profile', tfjsModel, '--backend', 'cpu', '--runs', '1', '--svg', chart);
    expect(again.status).toBe(1);
    expect(again.err).toMatch(/^whittle: .*profile\.svg/);
  }, 120_000);
});

describe('whittle profile on a checkpoint and on bad input', () => {
  test('a safetensors checkpoint gets params and bytes, and says why the rest is missing', async () => {
    const { status, out } = await runRecorded('profile', safetensors, '--json');
    expect(status).toBe(0);
    const result = JSON.parse(out);
    expect(result.totals.flops).toBeNull();
    expect(result.totals.params).toBeGreaterThan(0);
    expect(result.notes.join(' ')).toMatch(/checkpoint/);
  }, 120_000);

  test('bad options and bad files fail with one line', async () => {
    for (const args of [
      ['--input-shape', '1,x'],
      ['--input-shape', '0,32'],
      ['--input-shape', new Array(100).fill('1').join(',')],
      ['--runs', '0'],
      ['--runs', '1e9'],
      ['--backend', 'gpu'],
    ]) {
      const { status, err } = await runRecorded('profile', tfjsModel, ...args);
      expect(status, args.join(' ')).toBe(2);
      expect(err.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const wrongRank = await runRecorded('profile', tfjsModel, '--backend', 'cpu', '--input-shape', '1,28,28');
    expect(wrongRank.status).toBe(1);
    expect(wrongRank.err).toMatch(/^whittle: .*inputShape.*\n$/);
    const notModel = join(directory, 'not-a-model.json');
    await writeFile(notModel, '{"modelTopology": 7}');
    const broken = await runRecorded('profile', notModel);
    expect(broken.status).toBe(1);
    expect(broken.err.trimEnd().split('\n')).toHaveLength(1);
  }, 120_000);

  test('help shows examples', async () => {
    const { status, out } = await runRecorded('profile', '--help');
    expect(status).toBe(0);
    expect(out).toMatch(/Examples:\n {2}whittle profile model\/model\.json/);
  });
});
