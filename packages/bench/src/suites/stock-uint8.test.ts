import { afterEach, expect, test } from 'vitest';
import { stockUint8Suite } from './stock-uint8.ts';

afterEach(() => {
  delete process.env.WHITTLE_GRAPH_MODELS;
});

// Trains the demo classifier (a few seconds on wasm); error figures are checked for shape only.
test('stock-uint8 --quick: the demo classifier with both ranges, and a note when no graph models are there', async () => {
  process.env.WHITTLE_GRAPH_MODELS = '/nonexistent/graph-models';
  const progress: string[] = [];
  const { rows, notes, backends } = await stockUint8Suite.run({ quick: true, onProgress: (message) => progress.push(message) });
  expect(backends.map(({ name }) => name)).toEqual(['wasm']);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ suite: 'stock-uint8', case: 'mnist-mlp', size: '500 digits', metric: 'output error', unit: '%', peer: { name: 'minmax (tfjs-converter)' } });
  // Stock uint8 moves the logits a little, never by nothing and never by their whole scale.
  for (const value of [rows[0]!.value, rows[0]!.peer!.value]) {
    expect(value).toBeGreaterThan(0);
    expect(value).toBeLessThan(100);
  }
  expect(progress).toEqual(['train the demo MNIST classifier', 'mnist-mlp with the minmax range', 'mnist-mlp with the mse range']);
  expect(notes!.at(-1)).toMatch(/^graph models: none found in \/nonexistent\/graph-models/);
}, 300_000);
