import { decode, hostTensor, useBackend, type AffineEncoding, type HostTensor } from '@whittle/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { elementParams } from '../primitives/affine-test-helpers.ts';
import { float16AtOrAbove, float32AtOrAbove } from '../primitives/reference-floats.ts';
import type { GptqOptions } from './gptq-options.ts';
import { gptqQuantize, gptqQuantizeWithHessian, layerOutputError, rtnQuantize } from './gptq-quantize.ts';
import { accumulateHessian, type Hessian } from './hessian.ts';
import { correlatedInputs, denseOutputError, normalMatrix, transpose } from './test-layers.ts';

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

  it('matches a plain reference GPTQ (the inverse-Hessian updates of the paper, no Cholesky, no lazy blocks)', async () => {
    // A layer with dead inputs too: their weights must come out zero.
    const deadX = correlatedInputs(96, 40, 21);
    for (let sample = 0; sample < 96; sample++) for (const input of [3, 17, 39]) deadX.data[sample * 40 + input] = 0;
    const dead = { kernel: normalMatrix(40, 12, 22, 0.05), hessian: await accumulateHessian(deadX) };
    const cases: Array<[{ kernel: HostTensor<'float32'>; hessian: Hessian }, GptqOptions]> = [
      [layers[1]!, { bits: 4, groupSize: -1 }],
      [layers[1]!, { bits: 3, groupSize: 64, symmetric: false, actOrder: true, blockSize: 40 }],
      [layers[1]!, { bits: 4, groupSize: 48, blockSize: 40 }],
      [layers[2]!, { bits: 2, groupSize: 128, scaleDType: 'float32' }],
      [dead, { bits: 4, groupSize: 8, blockSize: 5 }],
      [dead, { bits: 3, groupSize: -1, actOrder: true, symmetric: false }],
    ];
    for (const [{ kernel, hessian }, options] of cases) {
      const { encoding, error } = gptqQuantizeWithHessian(kernel, hessian, options);
      const expected = referenceGptq(kernel, hessian.matrix.data, encoding, options);
      const actual = decode(encoding).data;
      // Float64 rounding differs between the two; a rare near-tie may round the other way.
      const differing = expected.quantized.filter((value, index) => Math.fround(value) !== actual[index]).length;
      expect(differing).toBeLessThanOrEqual(2);
      // Scales chosen at each group's start, from the weights as updated so far.
      expect(expected.scaleMismatches).toBeLessThanOrEqual(2);
      expect(Math.abs(error - expected.error)).toBeLessThanOrEqual(1e-6 * expected.error);
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

/**
 * GPTQ as the paper writes it (Frantar et al. 2022, eqs. 2–3), in plain float64 for a Dense
 * kernel `[inputs, outputs]`: dead inputs zeroed, H damped by `damp` · mean(diag H), H⁻¹ by
 * Gauss–Jordan; then input by input (by decreasing H_ii with act-order), every output's weight is
 * rounded on its grid, the error δ / [H⁻¹]_ii is spread over the inputs still to come along
 * [H⁻¹]_i,:, and input i is eliminated from H⁻¹. Scales and zero points come from the encoding
 * (GPTQ fixes them up front, or at each group's start); those chosen at a group's start are
 * checked against the updated weights (symmetric: 2·max|w| / (qmax − qmin), rounded up to the
 * stored dtype). The output error is ½ Σ_rows δᵀ H δ / outputs over the undamped H.
 */
function referenceGptq(
  kernel: HostTensor<'float32'>,
  hessian: Float64Array,
  encoding: AffineEncoding,
  options: GptqOptions,
): { quantized: Float64Array; error: number; scaleMismatches: number } {
  const [inputs, outputs] = kernel.shape as [number, number];
  const { bits, symmetric = true, damp = 0.01, actOrder = false } = options;
  const groupSize = options.groupSize === undefined ? 128 : options.groupSize === -1 ? inputs : options.groupSize;
  const [qmin, qmax] = symmetric ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
  const { scales, zeroPoints } = elementParams(encoding);
  const weights: number[][] = Array.from({ length: outputs }, (_, output) =>
    Array.from({ length: inputs }, (_, input) => kernel.data[input * outputs + output]!),
  );
  const original = weights.map((row) => [...row]);
  const h: number[][] = Array.from({ length: inputs }, (_, row) => Array.from({ length: inputs }, (_, column) => hessian[row * inputs + column]!));
  for (let input = 0; input < inputs; input++) {
    if (h[input]![input] !== 0) continue;
    h[input]![input] = 1;
    for (const row of weights) row[input] = 0;
  }
  const order = Array.from({ length: inputs }, (_, index) => index);
  if (actOrder) order.sort((a, b) => h[b]![b]! - h[a]![a]! || a - b);
  const mean = h.reduce((sum, row, index) => sum + row[index]!, 0) / inputs;
  for (let input = 0; input < inputs; input++) h[input]![input]! += damp * mean;
  const inverse = invert(h);
  const quantized = new Float64Array(outputs * inputs);
  let scaleMismatches = 0;
  const remaining = new Set(order);
  order.forEach((input, step) => {
    const dynamicGroupStart = options.groupSize !== undefined && options.groupSize !== -1 && !actOrder && step % groupSize === 0;
    for (let output = 0; output < outputs; output++) {
      const slot = input * outputs + output;
      const [scale, zeroPoint] = [scales[slot]!, zeroPoints[slot]!];
      if (dynamicGroupStart && symmetric) {
        const group = weights[output]!.slice(input, Math.min(inputs, input + groupSize));
        const raw = (2 * Math.max(...group.map(Math.abs))) / (qmax - qmin);
        const stored = (options.scaleDType ?? 'float16') === 'float16' ? float16AtOrAbove(raw) : float32AtOrAbove(raw);
        if (raw > 0 && stored !== scale) scaleMismatches++;
      }
      const value = weights[output]![input]!;
      const code = Math.min(qmax, Math.max(qmin, roundHalfEven(value / scale) + zeroPoint));
      const result = (code - zeroPoint) * scale;
      quantized[input * outputs + output] = result;
      const error = (value - result) / inverse[input]![input]!;
      for (const next of remaining) if (next !== input) weights[output]![next]! -= error * inverse[input]![next]!;
    }
    remaining.delete(input);
    // Eliminate input i from H⁻¹: the inverse of H restricted to the inputs left.
    const pivot = inverse[input]![input]!;
    for (const row of remaining) {
      const factor = inverse[row]![input]! / pivot;
      if (factor === 0) continue;
      for (const column of remaining) inverse[row]![column]! -= factor * inverse[input]![column]!;
    }
  });
  let error = 0;
  for (let output = 0; output < outputs; output++) {
    const delta = original[output]!.map((value, input) => value - quantized[input * outputs + output]!);
    for (let i = 0; i < inputs; i++) for (let j = 0; j < inputs; j++) error += delta[i]! * hessian[i * inputs + j]! * delta[j]!;
  }
  return { quantized, error: error / (2 * outputs), scaleMismatches };
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  return fraction > 0.5 || (fraction === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
}

/** The inverse of a symmetric positive definite matrix by Gauss–Jordan elimination. */
function invert(matrix: readonly number[][]): number[][] {
  const size = matrix.length;
  const left = matrix.map((row) => [...row]);
  const right = Array.from({ length: size }, (_, row) => Array.from({ length: size }, (_, column) => (row === column ? 1 : 0)));
  for (let pivot = 0; pivot < size; pivot++) {
    const scale = left[pivot]![pivot]!;
    for (let column = 0; column < size; column++) {
      left[pivot]![column]! /= scale;
      right[pivot]![column]! /= scale;
    }
    for (let row = 0; row < size; row++) {
      const factor = left[row]![pivot]!;
      if (row === pivot || factor === 0) continue;
      for (let column = 0; column < size; column++) {
        left[row]![column]! -= factor * left[pivot]![column]!;
        right[row]![column]! -= factor * right[pivot]![column]!;
      }
    }
  }
  return right;
}
