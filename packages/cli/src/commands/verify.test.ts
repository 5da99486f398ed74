import { hostTensor } from '@whittle/core';
import { encodeModelProto } from '@whittle/onnx';
import { buildModelProto, mlpSpec } from '@whittle/onnx/test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';

let directory: string;
let model: string;
let negated: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-verify-'));
  model = join(directory, 'model.onnx');
  const spec = mlpSpec();
  await writeFile(model, encodeModelProto(buildModelProto(spec)));
  // The last layer negated: every output is exactly −y, so cosine is exactly −1.
  const negate = (name: 'w2' | 'b2') => {
    const tensor = spec.initializers[name]!;
    return hostTensor('float32', tensor.shape, Float32Array.from(tensor.data as Float32Array, (value) => -value));
  };
  negated = join(directory, 'negated.onnx');
  await writeFile(negated, encodeModelProto(buildModelProto({ ...spec, initializers: { ...spec.initializers, w2: negate('w2'), b2: negate('b2') } })));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('whittle verify', () => {
  test('a model against itself agrees exactly', async () => {
    const run = await runRecorded('verify', model, model, '--json', '--dim', 'batch=5');
    expect(run.status, run.err).toBe(0);
    const report = JSON.parse(run.out);
    expect(report.samples).toBe(3);
    expect(report.outputs).toEqual([{ name: 'y', cosine: 1, maxAbsError: 0, top1Agreement: 1 }]);
  });

  test('a negated output has cosine −1 and fails --min-cosine with status 1, after printing the comparison', async () => {
    const run = await runRecorded('verify', model, negated, '--min-cosine', '0.99');
    expect(run.status).toBe(1);
    expect(run.out).toMatch(/y: cosine -1\.000000, max abs error [\d.]+/);
    expect(run.err).toMatch(/negated\.onnx.*cosine -1\.000000, under --min-cosine 0\.99/);
  });

  test('the q4 preset verified above a cosine of 0.99', async () => {
    const q4 = join(directory, 'model_q4.onnx');
    const compress = await runRecorded('compress', model, '--preset', 'q4', '-o', q4, '--quiet');
    expect(compress.status, compress.err).toBe(0);
    const run = await runRecorded('verify', model, q4, '--min-cosine', '0.99', '--json', '--samples', '4', '--dim', 'batch=16');
    expect(run.status, run.err).toBe(0);
    const [output] = JSON.parse(run.out).outputs;
    expect(output.cosine).toBeGreaterThan(0.99);
    expect(output.cosine).toBeLessThan(1);
    expect(output.maxAbsError).toBeGreaterThan(0);
  });

  test('given inputs are used as they are', async () => {
    const inputs = join(directory, 'inputs.json');
    await writeFile(inputs, JSON.stringify({ x: { dims: [1, 8], data: [1, 0, 0, 0, 0, 0, 0, 0] } }));
    const run = await runRecorded('verify', model, negated, '--inputs', inputs, '--json');
    expect(run.status, run.err).toBe(0);
    expect(JSON.parse(run.out).samples).toBe(1);
  });

  test.each([
    [['--samples', '0'], /--samples must be a whole number/],
    [['--min-cosine', 'high'], /--min-cosine must be a number/],
    [['--dim', 'batch'], /--dim takes name=size/],
  ])('bad options %j are one-line errors', async (options, message) => {
    const run = await runRecorded('verify', model, model, ...options);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(message);
  });

  test('inputs that do not match their dims, and a model onnxruntime refuses, name the file', async () => {
    const inputs = join(directory, 'bad-inputs.json');
    await writeFile(inputs, JSON.stringify({ x: { dims: [1, 8], data: [1, 2] } }));
    const bad = await runRecorded('verify', model, model, '--inputs', inputs);
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/bad-inputs\.json.*x.*dims/);
    const refused = join(directory, 'refused.onnx');
    const spec = mlpSpec();
    await writeFile(refused, encodeModelProto(buildModelProto({ ...spec, nodes: spec.nodes.map((node) => (node.op === 'Relu' ? { ...node, op: 'NoSuchOp' } : node)) })));
    const run = await runRecorded('verify', model, refused);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/refused\.onnx.*onnxruntime refuses the model/);
    expect(run.err.trim().split('\n')).toHaveLength(1);
  });
});
