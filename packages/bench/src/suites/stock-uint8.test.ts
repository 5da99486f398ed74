import { afterEach, expect, test } from 'vitest';
import { stockUint8Suite } from './stock-uint8.ts';
import { MEASURED_VARIANTS } from './stock-uint8/stock-uint8-variants.ts';

afterEach(() => {
  delete process.env.WHITTLE_GRAPH_MODELS;
});

// Trains the demo classifier (a few seconds on wasm); error figures are checked for shape only.
test('stock-uint8 --quick: the demo classifier with every variant, and a note when no graph models are there', async () => {
  process.env.WHITTLE_GRAPH_MODELS = '/nonexistent/graph-models';
  const progress: string[] = [];
  const { rows, notes, backends } = await stockUint8Suite.run({ quick: true, onProgress: (message) => progress.push(message) });
  expect(backends.map(({ name }) => name)).toEqual(['wasm']);
  expect(rows.map((row) => row.metric)).toEqual(MEASURED_VARIANTS.slice(1).map((variant) => `output error, ${variant.name}`));
  for (const row of rows) {
    expect(row).toMatchObject({ suite: 'stock-uint8', case: 'mnist-mlp', size: '500 digits', unit: '%', peer: { name: 'minmax (tfjs-converter)' } });
    // Stock uint8 moves the logits a little, never by nothing and never by their whole scale.
    for (const value of [row.value, row.peer!.value]) {
      expect(value).toBeGreaterThan(0);
      expect(value).toBeLessThan(100);
    }
  }
  expect(progress).toEqual([
    'train the demo MNIST classifier',
    'mnist-mlp with minmax',
    'mnist-mlp with mse',
    'mnist-mlp with equalize+minmax',
    'mnist-mlp with equalize+mse',
    'mnist-mlp with kernels',
    'mnist-mlp with kernels+balanced',
    'mnist-mlp with kernels+mse+balanced',
    'mnist-mlp with kernels+equalize+balanced',
    'mnist-mlp with calibrated',
    'mnist-mlp with kernels+calibrated',
    'mnist-mlp with equalize+calibrated',
    'mnist-mlp with calibrated+bias',
    'mnist-mlp with sequential',
    'mnist-mlp with sequential+bias',
    'mnist-mlp with kernels+sequential+bias',
  ]);
  expect(notes!.at(-1)).toMatch(/^graph models: none found in \/nonexistent\/graph-models/);
}, 300_000);
