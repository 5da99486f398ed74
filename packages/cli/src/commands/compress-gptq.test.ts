import { decode, hostTensor, modelFromTensors, type HostTensor, type Model } from '@whittle/core';
import { readSafetensorsFile, readTfjsModelFile, writeSafetensorsFile } from '@whittle/core/fs';
import { loadMnistDigits, mnistAccuracy, splitDigits, type Digits } from '@whittle/bench';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const MLP = join(EXAMPLES, 'mlp');
const CHECKPOINT = join(EXAMPLES, 'mlp.safetensors');
const GPTQ = '{"kind":"quantize.gptq","bits":4,"groupSize":64}';

let directory: string;
let float: Model;
let digits: { train: Digits; test: Digits };
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-gptq-'));
  float = await readTfjsModelFile(join(MLP, 'model.json'));
  digits = splitDigits(await loadMnistDigits(), { train: 256, test: 1000, seed: 3 });
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The first `rows` training digits as a `[rows, 784]` tensor. */
function images(rows: number): HostTensor {
  return hostTensor('float32', [rows, 784], digits.train.images.slice(0, rows * 784));
}

describe('compress runs quantize.gptq from the command line', () => {
  test('--data mnist: calibrated on MNIST digits, 4-bit kernels, accuracy kept', async () => {
    const output = join(directory, 'mnist');
    const { status, err } = await runRecorded('compress', MLP, '--recipe', GPTQ, '--data', 'mnist', '-o', output, '--quiet');
    expect(err).toBe('');
    expect(status).toBe(0);
    const quantized = await readTfjsModelFile(join(output, 'model.json'));
    for (const name of ['dense_1/kernel', 'dense_2/kernel']) expect(quantized.params.get(name)!.value).toMatchObject({ kind: 'affine', bits: 4 });
    expect(quantized.params.get('dense_1/bias')!.value.kind).toBe('dense');
    const before = await mnistAccuracy(float, digits.test);
    expect(before).toBeGreaterThan(85);
    expect(await mnistAccuracy(quantized, digits.test)).toBeGreaterThan(before - 1.5);
  });

  test('--calibration: a file of model inputs (tensor "inputs")', async () => {
    const file = join(directory, 'inputs.safetensors');
    await writeSafetensorsFile(file, modelFromTensors({ inputs: images(256) }));
    const output = join(directory, 'file');
    const { status, err } = await runRecorded('compress', MLP, '--recipe', GPTQ, '--calibration', file, '-o', output, '--quiet');
    expect(err).toBe('');
    expect(status).toBe(0);
    const quantized = await readTfjsModelFile(join(output, 'model.json'));
    expect(quantized.params.get('dense_2/kernel')!.value).toMatchObject({ kind: 'affine', bits: 4 });
    expect(await mnistAccuracy(quantized, digits.test)).toBeGreaterThan((await mnistAccuracy(float, digits.test)) - 1.5);
  });

  test('--calibration on a safetensors checkpoint: layer inputs by param name', async () => {
    const checkpoint = await readSafetensorsFile(CHECKPOINT);
    // fc1 sees the images; fc2 sees relu(x · fc1ᵀ + b1), computed here in plain maths.
    const weight = decode(checkpoint.params.get('fc1.weight')!.value).data as Float32Array;
    const bias = decode(checkpoint.params.get('fc1.bias')!.value).data as Float32Array;
    const rows = 128;
    const x = images(rows).data as Float32Array;
    const hidden = new Float32Array(rows * 64);
    for (let row = 0; row < rows; row++) {
      for (let unit = 0; unit < 64; unit++) {
        let sum = bias[unit]!;
        for (let k = 0; k < 784; k++) sum += x[row * 784 + k]! * weight[unit * 784 + k]!;
        hidden[row * 64 + unit] = Math.max(0, sum);
      }
    }
    const file = join(directory, 'layers.safetensors');
    await writeSafetensorsFile(file, modelFromTensors({ 'fc1.weight': images(rows), 'fc2.weight': hostTensor('float32', [rows, 64], hidden) }));
    const output = join(directory, 'checkpoint-gptq.safetensors');
    const { status, err } = await runRecorded('compress', CHECKPOINT, '--recipe', GPTQ, '--calibration', file, '-o', output, '--quiet');
    expect(err).toBe('');
    expect(status).toBe(0);
    const quantized = await readSafetensorsFile(output);
    for (const name of ['fc1.weight', 'fc2.weight']) expect(quantized.params.get(name)!.value).toMatchObject({ kind: 'affine', bits: 4 });
  });

  test('a missing calibration names the flags to pass, before the model is read', async () => {
    const { status, out, err } = await runRecorded('compress', join(directory, 'no-such-model'), '--recipe', GPTQ, '-o', join(directory, 'missing'));
    expect(status).toBe(1);
    expect(out).toBe('');
    expect(err).toBe('whittle: step 1: --calibration: quantize.gptq needs calibration data: pass --calibration <inputs.safetensors> or --data mnist\n');
  });

  test('model inputs for a model that cannot run are refused, naming the step and resource', async () => {
    const file = join(directory, 'inputs-for-checkpoint.safetensors');
    await writeSafetensorsFile(file, modelFromTensors({ inputs: images(8) }));
    const { status, err } = await runRecorded('compress', CHECKPOINT, '--recipe', GPTQ, '--calibration', file, '-o', join(directory, 'x.safetensors'));
    expect(status).toBe(1);
    expect(err).toMatch(/^whittle: .*mlp\.safetensors: step 1: resources\.calibration: .*no topology.*$/m);
  });

  test.each([
    ['not a safetensors file', async (path: string) => writeFile(path, 'pixels\n'), /not a safetensors file/],
    ['an empty file of tensors', async (path: string) => writeSafetensorsFile(path, modelFromTensors({})), /needs a tensor "inputs"/],
    ['a scalar', async (path: string) => writeSafetensorsFile(path, modelFromTensors({ inputs: hostTensor('float32', []) })), /first axis of samples/],
    ['no samples', async (path: string) => writeSafetensorsFile(path, modelFromTensors({ inputs: hostTensor('float32', [0, 784]) })), /first axis of samples/],
    ['inputs beside other tensors', async (path: string) => writeSafetensorsFile(path, modelFromTensors({ inputs: images(2), extra: images(2) })), /holds the one tensor "inputs"/],
  ])('a calibration file that is %s is refused in one line naming it', async (_name, write, message) => {
    const file = join(directory, `bad-${_name.replaceAll(' ', '-')}.safetensors`);
    await write(file);
    const { status, out, err } = await runRecorded('compress', MLP, '--recipe', GPTQ, '--calibration', file, '-o', join(directory, 'never'));
    expect(status).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n')).toHaveLength(2);
    expect(err).toContain(file);
    expect(err).toMatch(message);
  });

  test('a missing calibration file, and both flags at once, are refused', async () => {
    const missing = await runRecorded('compress', MLP, '--recipe', GPTQ, '--calibration', join(directory, 'absent.safetensors'), '-o', join(directory, 'never'));
    expect(missing.status).toBe(1);
    expect(missing.err).toContain('absent.safetensors');
    const both = await runRecorded('compress', MLP, '--recipe', GPTQ, '--calibration', 'x.safetensors', '--data', 'mnist', '-o', join(directory, 'never'));
    expect(both.status).toBe(2);
    const unknown = await runRecorded('compress', MLP, '--recipe', GPTQ, '--data', 'cifar', '-o', join(directory, 'never'));
    expect(unknown.status).toBe(2);
    expect(unknown.err).toMatch(/mnist/);
  });
});
