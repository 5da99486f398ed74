/**
 * Pruning `.onnx` models on the command line: the zeros are stored dense, so the file runs as it
 * is and gzips smaller, and the report's gzip figure is the file's.
 */
import { decodeModelProto, encodeModelProto } from '@whittle/onnx';
import { attentionSpec, buildModelProto, randomFloats } from '@whittle/onnx/test';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';

ort.env.wasm.numThreads = 1;

let directory: string;
let model: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-onnx-prune-'));
  model = join(directory, 'model.onnx');
  await writeFile(model, encodeModelProto(buildModelProto(attentionSpec())));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The float32 values of initializer `name`, read with a plain view of its raw bytes. */
function initializerValues(bytes: Uint8Array, name: string): Float32Array {
  const tensor = decodeModelProto(bytes).graph!.initializer.find((candidate) => candidate.name === name)!;
  return new Float32Array(tensor.rawData.slice().buffer);
}

describe('prune steps on .onnx models', () => {
  test.each([
    ['unstructured 75%', '{"kind":"prune.magnitude","sparsity":0.75}', 0.75],
    ['2:4', '{"kind":"prune.nm","n":2,"m":4}', 0.5],
  ])('%s: zeros stored dense, the reported gzip bytes are the file gzipped, and onnxruntime runs it', async (name, recipe, sparsity) => {
    const output = join(directory, `${name.replace(/\W/g, '')}.onnx`);
    const run = await runRecorded('compress', model, '--recipe', recipe, '-o', output, '--json', '--quiet');
    expect(run.status, run.err).toBe(0);
    const report = JSON.parse(run.out);
    const written = new Uint8Array(await readFile(output));
    const original = new Uint8Array(await readFile(model));
    for (const weight of ['wq', 'wk', 'wv', 'wo']) {
      const values = initializerValues(written, weight);
      expect(values.filter((value) => value === 0).length / values.length).toBeCloseTo(sparsity, 2);
    }
    expect(initializerValues(written, 'ln_scale').every((value) => value !== 0)).toBe(true);
    // Dense zeros: the same raw size, a smaller download.
    expect(Math.abs(written.byteLength - original.byteLength)).toBeLessThan(64);
    expect(report.output.gzipBytes).toBe(gzipSync(written).byteLength);
    expect(report.output.gzipBytes).toBeLessThan(gzipSync(original).byteLength * (1 - sparsity / 2));
    const session = await ort.InferenceSession.create(written, { executionProviders: ['wasm'] });
    try {
      const result = await session.run({ x: new ort.Tensor('float32', randomFloats(64, 2), [1, 4, 16]) });
      expect((result.y!.data as Float32Array).every(Number.isFinite)).toBe(true);
    } finally {
      await session.release();
    }
  });
});
