import { useBackend } from '@whittle/core';
import { expect, test } from 'vitest';
import type { ResultRow } from '../../result-row.ts';
import { structuredPart } from './structured-part.ts';

// The quick part (a 784 → 64 → 64 → 10 MLP and an 8/16-filter CNN on 1,000 digits, one epoch each)
// takes seconds: run it whole. Accuracies and params are deterministic; times are not asserted.
test('structured --quick: accuracy before, after and fine-tuned, params and latency of both MNIST models', async () => {
  const backend = await useBackend('wasm');
  const messages: string[] = [];
  const rows = await structuredPart({ quick: true, backend: backend.name, progress: (message) => messages.push(message) });
  expect(messages.length).toBeGreaterThan(0);
  const sizes = ['mnist mlp 784-64-64-10', 'mnist cnn c8-c16-d32'];
  expect([...new Set(rows.map((row) => row.size))]).toEqual(sizes);
  const value = (size: string, name: string, metric: string): number => {
    const found = rows.filter((row: ResultRow) => row.size === size && row.case === name && row.metric === metric);
    expect(found).toHaveLength(1);
    return found[0]!.value;
  };
  for (const row of rows) {
    expect(row.suite).toBe('pruning');
    expect(Number.isFinite(row.value)).toBe(true);
  }
  // Params after removing half of each hidden layer's units, from the layer widths alone.
  const mlpParams = (widths: number[]) => widths.slice(1).reduce((sum, width, index) => sum + (widths[index]! + 1) * width, 0);
  expect(value(sizes[0]!, 'dense', 'params')).toBe(mlpParams([784, 64, 64, 10]));
  expect(value(sizes[0]!, 'structured-50%', 'params')).toBe(mlpParams([784, 32, 32, 10]));
  // CNN: 3 × 3 convs 1 → 8 → 16 (→ 4 → 8), 28 → 26 → 13 → 11 → 5 after pooling, then dense 32 (→ 16) and 10 logits.
  const cnnParams = (a: number, b: number, d: number) => (9 * 1 + 1) * a + (9 * a + 1) * b + (5 * 5 * b + 1) * d + (d + 1) * 10;
  expect(value(sizes[1]!, 'dense', 'params')).toBe(cnnParams(8, 16, 32));
  expect(value(sizes[1]!, 'structured-50%', 'params')).toBe(cnnParams(4, 8, 16));
  for (const size of sizes) {
    expect(value(size, 'dense', 'top1-accuracy')).toBeGreaterThan(60);
    expect(value(size, 'structured-50%-finetuned', 'top1-accuracy')).toBeGreaterThan(30);
    expect(value(size, 'structured-50%', 'speedup')).toBeGreaterThan(0);
  }
}, 180_000);
