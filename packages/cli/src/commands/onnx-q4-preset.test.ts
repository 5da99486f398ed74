import { decodeModelProto, encodeModelProto } from '@whittle/onnx';
import { buildModelProto, mlpSpec } from '@whittle/onnx/test';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';

let directory: string;
let model: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-onnx-q4-'));
  model = join(directory, 'model.onnx');
  await writeFile(model, encodeModelProto(buildModelProto(mlpSpec())));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('the q4 and q4f16 presets on .onnx models', () => {
  test.each([
    ['q4', '{"kind":"onnx.q4"}', 1],
    ['q4f16', '[{"kind":"onnx.q4"},{"kind":"onnx.fp16"}]', 10],
  ])('%s writes MatMulNBits with scales of the computing type, as its recipe written out does', async (name, recipe, scaleType) => {
    const byPreset = join(directory, `${name}-preset.onnx`);
    const byRecipe = join(directory, `${name}-recipe.onnx`);
    const preset = await runRecorded('compress', model, '--preset', name, '-o', byPreset, '--json');
    const written = await runRecorded('compress', model, '--recipe', recipe, '-o', byRecipe, '--quiet');
    expect(preset.status, preset.err).toBe(0);
    expect(written.status, written.err).toBe(0);
    expect(await readFile(byPreset)).toEqual(await readFile(byRecipe));
    const proto = decodeModelProto(await readFile(byPreset));
    const nodes = proto.graph!.node.filter((node) => node.opType === 'MatMulNBits');
    expect(nodes.map((node) => node.domain)).toEqual(['com.microsoft', 'com.microsoft']);
    expect(proto.opsetImport.some((opset) => opset.domain === 'com.microsoft')).toBe(true);
    expect(proto.graph!.initializer.find((tensor) => tensor.name === 'w1_scales')!.dataType).toBe(scaleType);
    expect(JSON.parse(preset.out).output.bytes).toBeLessThan(JSON.parse(preset.out).input.bytes);
  });
});
