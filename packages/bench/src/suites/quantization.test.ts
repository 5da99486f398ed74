import { expect, test } from 'vitest';
import type { ResultRow } from '../result-row.ts';
import { quantizationSuite } from './quantization.ts';
import { QUANTIZATION_METHODS } from './quantization/quantization-methods.ts';

// The quick suite (256 × 256 kernels, a 784 → 64 → 10 MLP trained on 2,000 digits for one epoch)
// takes a few seconds: run it whole. Error figures are deterministic; times are not asserted.
test('quantization --quick: every method on both kernels and the MNIST MLP, with the figures that define it', async () => {
  const { rows, backends } = await quantizationSuite.run({ quick: true });
  // wasm by default: training on the cpu backend would take several times longer.
  expect(backends.map(({ name }) => name)).toEqual(['wasm']);
  const methods = QUANTIZATION_METHODS.map(({ name }) => name);
  const sizes = ['gaussian 256x256', 'laplacian 256x256', 'mnist mlp 784-64-10'];
  expect([...new Set(rows.map((row) => row.size))]).toEqual(sizes);
  for (const row of rows) {
    expect(row.suite).toBe('quantization');
    expect(Number.isFinite(row.value)).toBe(true);
    expect(row.bound).toBeUndefined();
  }
  const value = (size: string, method: string, metric: string): number => {
    const found = rows.filter((row: ResultRow) => row.size === size && row.case === method && row.metric === metric);
    expect(found).toHaveLength(1);
    return found[0]!.value;
  };

  for (const size of sizes.slice(0, 2)) {
    expect(rows.filter((row) => row.size === size).map((row) => `${row.case} ${row.metric} ${row.unit} ${row.backend}`)).toEqual(
      methods.flatMap((method) => [`${method} weight-sqnr dB js`, `${method} output-sqnr dB wasm`, `${method} bits-per-weight bits js`]),
    );
    // Bits per weight follow from the layouts alone: 16-bit scales per group, uint8 zero points,
    // float32 scales per channel (256 channels of 256 weights), 2^bits float32 centroids.
    expect(value(size, 'float16', 'bits-per-weight')).toBe(16);
    expect(value(size, 'int8-channel', 'bits-per-weight')).toBe(8 + 32 / 256);
    expect(value(size, 'int4-g32-symmetric', 'bits-per-weight')).toBe(4 + 16 / 32);
    expect(value(size, 'int4-g32-asymmetric', 'bits-per-weight')).toBe(4 + 24 / 32);
    expect(value(size, 'int3-g64', 'bits-per-weight')).toBe(3 + 24 / 64);
    expect(value(size, 'kmeans-4bit', 'bits-per-weight')).toBe(4 + (16 * 32) / 65536);
    expect(value(size, 'gptq-4bit-g128', 'bits-per-weight')).toBe(value(size, 'rtn-4bit-g128', 'bits-per-weight'));
    // Fewer bits, more noise: each format's weight SQNR is about 6 dB per bit.
    const sqnr = (method: string) => value(size, method, 'weight-sqnr');
    expect(sqnr('float16')).toBeGreaterThan(sqnr('bfloat16'));
    expect(sqnr('bfloat16')).toBeGreaterThan(sqnr('int8-channel'));
    expect(sqnr('int8-channel')).toBeGreaterThan(sqnr('int4-g32-symmetric'));
    expect(sqnr('int4-g32-asymmetric')).toBeGreaterThan(sqnr('int4-g128-asymmetric'));
    expect(sqnr('int4-g32-symmetric')).toBeGreaterThan(sqnr('int3-g64'));
    expect(sqnr('int3-g64')).toBeGreaterThan(sqnr('int2-g32'));
    expect(sqnr('kmeans-4bit')).toBeGreaterThan(sqnr('kmeans-2bit'));
    // GPTQ trades weight error for output error on the inputs it was calibrated for.
    for (const bits of [4, 3]) {
      const gptq = `gptq-${bits}bit-g128`;
      const rtn = `rtn-${bits}bit-g128`;
      expect(value(size, gptq, 'output-sqnr')).toBeGreaterThan(value(size, rtn, 'output-sqnr') + 1);
    }
  }

  const mlp = sizes[2]!;
  expect(rows.filter((row) => row.size === mlp).map((row) => `${row.case} ${row.metric} ${row.unit}`)).toEqual(
    ['float32', ...methods].flatMap((method) => [`${method} top1-accuracy %`, `${method} model-size kB`, `${method} bits-per-weight bits`]),
  );
  const params = 784 * 64 + 64 + 64 * 10 + 10;
  expect(value(mlp, 'float32', 'model-size')).toBe((4 * params) / 1000);
  expect(value(mlp, 'float32', 'bits-per-weight')).toBe(32);
  expect(value(mlp, 'float32', 'top1-accuracy')).toBeGreaterThan(75);
  // A float16 copy of a trained model classifies (almost) exactly as the model does.
  expect(Math.abs(value(mlp, 'float16', 'top1-accuracy') - value(mlp, 'float32', 'top1-accuracy'))).toBeLessThanOrEqual(0.5);
  expect(value(mlp, 'int4-g32-symmetric', 'model-size')).toBeLessThan(value(mlp, 'float32', 'model-size') / 6);
});
