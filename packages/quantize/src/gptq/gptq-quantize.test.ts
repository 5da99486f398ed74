import { decode, hostTensor, useBackend, type HostTensor } from '@whittle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gptqMatrix } from './gptq-matrix.ts';
import { resolveGptqOptions, type GptqOptions } from './gptq-options.ts';
import { gptqQuantize, gptqQuantizeWithHessian, layerOutputError, rtnQuantize } from './gptq-quantize.ts';
import { accumulateHessian, type Hessian } from './hessian.ts';
import { correlatedInputs, denseOutputError, normalMatrix, transpose } from './test-layers.ts';
import { matrixToWeight, weightMatrix } from './weight-matrix.ts';

const samples = 512;
const inputs = 256;
const outputs = 48;

interface Layer {
  readonly x: HostTensor<'float32'>;
  readonly kernel: HostTensor<'float32'>;
  readonly hessian: Hessian;
}

const layers: Layer[] = [];

/** Equal to float32 accuracy: the Hessian's XᵀX is a float32 matMul. */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-5 * Math.abs(expected));
}

beforeAll(async () => {
  await useBackend('cpu');
  for (const seed of [1, 2, 3]) {
    const x = correlatedInputs(samples, inputs, seed * 100);
    const kernel = normalMatrix(inputs, outputs, seed * 100 + 7, 0.05);
    layers.push({ x, kernel, hessian: await accumulateHessian(x) });
  }
});

const configurations: Array<[string, GptqOptions]> = [
  ['4-bit g128', { bits: 4, groupSize: 128 }],
  ['3-bit g128', { bits: 3, groupSize: 128 }],
  ['3-bit per channel', { bits: 3, groupSize: -1 }],
  ['4-bit g32 asymmetric', { bits: 4, groupSize: 32, symmetric: false }],
];

describe('gptqQuantize', () => {
  it.each(configurations)('%s: lower output error than round-to-nearest, Dense [in, out]', (_, options) => {
    for (const { x, kernel, hessian } of layers) {
      const gptq = gptqQuantizeWithHessian(kernel, hessian, options);
      const rtn = rtnQuantize(kernel, options, hessian);
      const gptqError = denseOutputError(x, kernel, decode(gptq.encoding));
      const rtnError = denseOutputError(x, kernel, decode(rtn.encoding));
      expect(gptqError).toBeLessThan(rtnError * 0.8);
      // The reported errors are the same quantity, read off the Hessian.
      expectClose(gptq.error, gptqError);
      expectClose(rtn.error!, rtnError);
    }
  });

  it.each(configurations)('%s: Linear [out, in] gives the transposed result of Dense', (_, options) => {
    const { kernel, hessian } = layers[0]!;
    const dense = gptqQuantizeWithHessian(kernel, hessian, options);
    const linear = gptqQuantizeWithHessian(transpose(kernel), hessian, { ...options, role: 'linear-weight' });
    expect(linear.encoding.shape).toStrictEqual([outputs, inputs]);
    expect(decode(linear.encoding).data).toStrictEqual(transpose(decode(dense.encoding) as HostTensor<'float32'>).data);
    expect(linear.error).toBeCloseTo(dense.error, 12);
    const rtn = rtnQuantize(transpose(kernel), { ...options, role: 'linear-weight' }, hessian);
    expect(linear.error).toBeLessThan(rtn.error! * 0.8);
  });

  it('act-order runs and is no worse on average', () => {
    let plain = 0;
    let ordered = 0;
    for (const { kernel, hessian } of layers) {
      for (const options of [{ bits: 4, groupSize: 128 }, { bits: 3, groupSize: -1 }]) {
        plain += gptqQuantizeWithHessian(kernel, hessian, options).error;
        ordered += gptqQuantizeWithHessian(kernel, hessian, { ...options, actOrder: true }).error;
      }
    }
    expect(ordered).toBeLessThanOrEqual(plain);
  });

  it('decodes to exactly the weights the algorithm computed', () => {
    const { kernel, hessian } = layers[1]!;
    for (const options of [
      { bits: 4, groupSize: 48, blockSize: 40 },
      { bits: 3, actOrder: true, groupSize: 64, symmetric: false },
      { bits: 8, groupSize: -1 },
      { bits: 2, groupSize: 128, scaleDType: 'float32' as const },
    ]) {
      const resolved = resolveGptqOptions(options);
      const matrix = weightMatrix(kernel, 'dense-kernel');
      const result = gptqMatrix(matrix.values, outputs, inputs, hessian.matrix.data, resolved);
      const encoding = gptqQuantizeWithHessian(kernel, hessian, options).encoding;
      expect(decode(encoding).data).toStrictEqual(matrixToWeight(matrix, result.quantized).data);
      expect(encoding.bits).toBe(options.bits);
    }
  });

  it('block size changes speed, not the result', () => {
    const { kernel, hessian } = layers[2]!;
    for (const groupSize of [-1, 32, 100]) {
      const reference = decode(gptqQuantizeWithHessian(kernel, hessian, { bits: 3, groupSize, blockSize: 256 }).encoding);
      for (const blockSize of [1, 17, 64]) {
        const other = decode(gptqQuantizeWithHessian(kernel, hessian, { bits: 3, groupSize, blockSize }).encoding);
        const differing = reference.data.filter((value, index) => value !== other.data[index]).length;
        // Float64 summation order differs between block sizes; a rare tie may round the other way.
        expect(differing).toBeLessThanOrEqual(2);
      }
    }
  });

  it('encodes groups along the input axis and per-channel scales along the output axis', () => {
    const { kernel, hessian } = layers[0]!;
    const grouped = gptqQuantizeWithHessian(kernel, hessian, { bits: 4, groupSize: 100 }).encoding;
    expect(grouped.granularity).toStrictEqual({ kind: 'group', axis: 0, size: 100 });
    expect(grouped.scales).toMatchObject({ dtype: 'float16', shape: [3, outputs] });
    expect(grouped.zeroPoints).toBeUndefined();
    const linear = gptqQuantizeWithHessian(transpose(kernel), hessian, {
      bits: 4,
      groupSize: -1,
      symmetric: false,
      role: 'linear-weight',
    }).encoding;
    expect(linear.granularity).toStrictEqual({ kind: 'axis', axis: 0 });
    expect(linear.scales).toMatchObject({ dtype: 'float32', shape: [outputs] });
    expect(linear.zeroPoints).toMatchObject({ dtype: 'uint8', shape: [outputs] });
    expect(linear.signed).toBe(false);
  });

  it('sets the weights of dead inputs to zero without NaN', async () => {
    const x = correlatedInputs(64, 32, 9);
    const dead = [0, 5, 6, 31];
    for (let sample = 0; sample < 64; sample++) for (const input of dead) x.data[sample * 32 + input] = 0;
    const kernel = normalMatrix(32, 8, 10);
    for (const actOrder of [false, true]) {
      const result = await gptqQuantize(kernel, x, { bits: 3, groupSize: 8, actOrder });
      const weights = decode(result.encoding).data;
      expect(weights.every(Number.isFinite)).toBe(true);
      for (const input of dead) for (let output = 0; output < 8; output++) expect(weights[input * 8 + output]).toBe(0);
      expect(Number.isFinite(result.error)).toBe(true);
      expectClose(result.error, denseOutputError(x, kernel, decode(result.encoding)));
    }
  });

  it('handles a layer whose inputs are all dead, and fewer samples than inputs', async () => {
    const kernel = normalMatrix(16, 4, 11);
    const silent = await gptqQuantize(kernel, hostTensor('float32', [8, 16]), { bits: 4, groupSize: 8 });
    expect(decode(silent.encoding).data.every((value) => value === 0)).toBe(true);
    expect(silent.error).toBe(0);
    const few = await gptqQuantize(kernel, normalMatrix(3, 16, 12), { bits: 4, groupSize: -1 });
    expect(Number.isFinite(few.error)).toBe(true);
  });

  it('rejects a Hessian of the wrong width and bad options, naming the field', async () => {
    const { kernel, hessian } = layers[0]!;
    expect(() => gptqQuantizeWithHessian(transpose(kernel), hessian, { bits: 4 })).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'hessian' }),
    );
    await expect(gptqQuantize(kernel, normalMatrix(4, 7, 1), { bits: 4 })).rejects.toMatchObject({ field: 'calibration' });
    for (const [options, field] of [
      [{ bits: 9 }, 'bits'],
      [{ bits: 4, groupSize: 0 }, 'groupSize'],
      [{ bits: 4, damp: 0 }, 'damp'],
      [{ bits: 4, blockSize: 0 }, 'blockSize'],
      [{ bits: 4, actOrder: 'yes' }, 'actOrder'],
      [{ bits: 4, role: 'conv2d-kernel' }, 'role'],
      [{ bits: 4, scaleDType: 'bfloat16' }, 'scaleDType'],
    ] as const) {
      expect(() => rtnQuantize(kernel, options as unknown as GptqOptions)).toThrow(expect.objectContaining({ field }));
    }
    expect(() => rtnQuantize(hostTensor('float32', [4]), { bits: 4 })).toThrow(expect.objectContaining({ field: 'weight' }));
    const broken = normalMatrix(4, 2, 5);
    broken.data[3] = NaN;
    expect(() => rtnQuantize(broken, { bits: 4 })).toThrow(expect.objectContaining({ code: 'invalid-tensor', field: 'weight' }));
    const noisy = normalMatrix(8, 4, 6);
    noisy.data[0] = Infinity;
    await expect(gptqQuantize(normalMatrix(4, 2, 7), noisy, { bits: 4 })).rejects.toMatchObject({ field: 'calibration' });
  });

  it('layerOutputError measures any replacement weight', () => {
    const { x, kernel, hessian } = layers[0]!;
    const rtn = decode(rtnQuantize(kernel, { bits: 4 }).encoding);
    expectClose(layerOutputError(kernel, rtn, hessian), denseOutputError(x, kernel, rtn));
    expect(layerOutputError(kernel, kernel, hessian)).toBe(0);
  });
});
