import { describe, expect, test } from 'vitest';
import { findSuite } from '../../suites.ts';
import { outputAgreement } from './output-error.ts';
import { transformerBlockSpec } from './transformer-block.ts';

describe('the onnx suite', () => {
  test('--quick: every variant has bytes, error and latency against float32, and the large model its time and peak RSS', async () => {
    const { rows, notes } = await findSuite('onnx').run({ quick: true });
    const figure = (variant: string, metric: string) => rows.find((row) => row.case === variant && row.metric === metric)!;
    // File sizes: float32 > fp16 > q8 > q4 (same weights, 32, 16, 8 and about 4.5 bits each).
    const bytes = ['float32', 'fp16', 'q8', 'q4-rtn'].map((variant) => figure(variant, 'bytes').value);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
    expect(figure('q4-gptq', 'bytes').value).toBe(figure('q4-rtn', 'bytes').value);
    expect(figure('float32', 'relative-rms-error').value).toBe(0);
    expect(figure('float32', 'cosine').value).toBeCloseTo(1, 6);
    for (const variant of ['fp16', 'q8', 'q4-rtn', 'q4-gptq']) {
      expect(figure(variant, 'relative-rms-error').value).toBeGreaterThan(0);
      expect(figure(variant, 'cosine').value).toBeGreaterThan(0.98);
      const latency = figure(variant, 'latency');
      expect(latency.value).toBeGreaterThan(0);
      expect(latency.spread!.min).toBeLessThanOrEqual(latency.value);
      expect(latency.peer!.name).toBe('float32');
    }
    // fp16 rounds each weight to 11 significant bits: far closer than any 8- or 4-bit form.
    expect(figure('fp16', 'relative-rms-error').value).toBeLessThan(figure('q8', 'relative-rms-error').value);
    expect(figure('q8', 'relative-rms-error').value).toBeLessThan(figure('q4-rtn', 'relative-rms-error').value);
    const large = rows.filter((row) => row.case === 'q4-large-model');
    expect(large.map((row) => row.metric)).toEqual(['time', 'throughput', 'peak-rss', 'bytes']);
    const params = Number(large[0]!.size);
    expect(params).toBe(4 * 256 * 256);
    // MatMulNBits stores 4 bits and a float32 scale (B's type) per 32 weights: 5 bits a weight.
    const written = large.find((row) => row.metric === 'bytes')!.value;
    expect(written).toBeGreaterThan((params * 5) / 8);
    expect(written).toBeLessThan((params * 5) / 8 + 4096);
    expect(large.find((row) => row.metric === 'peak-rss')!.value).toBeGreaterThan(0);
    expect(notes!.join('\n')).toMatch(/interleaved/);
  }, 300_000);

  test('relative RMS error and cosine against plain arithmetic', () => {
    const reference = [new Float32Array([3, 4]), new Float32Array([0, 0])];
    const candidate = [new Float32Array([3, 4.5]), new Float32Array([0, 0])];
    const result = outputAgreement(reference, candidate);
    // ‖(0, 0.5)‖ / ‖(3, 4)‖ = 0.5 / 5; cosine = (9 + 18) / (5 · √(9 + 20.25)).
    expect(result.relativeRmsError).toBeCloseTo(0.1, 7);
    expect(result.cosine).toBeCloseTo(27 / (5 * Math.sqrt(29.25)), 7);
    expect(outputAgreement([new Float32Array(2)], [new Float32Array(2)])).toEqual({ relativeRmsError: 0, cosine: 1 });
  });

  test('the block has the MatMul shapes of a 768-wide layer', () => {
    const { spec, weightParams } = transformerBlockSpec({ hidden: 768, mlp: 3072, tokens: 4 }, 1);
    expect(spec.initializers.w1!.shape).toEqual([768, 3072]);
    expect(spec.initializers.w2!.shape).toEqual([3072, 768]);
    expect(weightParams).toBe(4 * 768 * 768 + 2 * 768 * 3072);
    expect(spec.nodes.filter((node) => node.op === 'MatMul')).toHaveLength(8);
  });
});
