import { decodeModelProto, encodeModelProto, readOnnxFile, TensorProto_DataType } from '@whittle/onnx';
import { buildModelProto, mlpSpec } from '@whittle/onnx/test';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';

let directory: string;
let model: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-onnx-cli-'));
  model = join(directory, 'model.onnx');
  await writeFile(model, encodeModelProto(buildModelProto(mlpSpec())));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('.onnx models on the command line', () => {
  test('inspect lists the params with their roles, then the ops, bytes by type and quantizable MatMuls', async () => {
    const run = await runRecorded('inspect', model);
    expect(run.status, run.err).toBe(0);
    expect(run.out).toMatch(/^model: .*model\.onnx \(onnx\), 4 tensors$/m);
    expect(run.out).toMatch(/^w1\s+dense-kernel\s+\[8, 16\]\s+dense float32/m);
    expect(run.out).toMatch(/^b2\s+bias\s/m);
    expect(run.out).toContain('ops: Add ×2, MatMul ×2, Relu ×1');
    expect(run.out).toContain('bytes by type: FLOAT 848');
    expect(run.out).toContain('quantizable MatMuls (B a constant 2-D initializer): 2');
    const json = await runRecorded('inspect', model, '--json');
    expect(JSON.parse(json.out)).toMatchObject({ format: 'onnx', params: 212, bytes: 848 });
  });

  test('compress --preset fp16 writes a float16 model with float32 inputs and outputs, as its recipe written out does', async () => {
    const byPreset = join(directory, 'preset.onnx');
    const byRecipe = join(directory, 'recipe.onnx');
    const preset = await runRecorded('compress', model, '--preset', 'fp16', '-o', byPreset, '--json');
    const recipe = await runRecorded('compress', model, '--recipe', '{"kind":"onnx.fp16"}', '-o', byRecipe, '--json', '--quiet');
    expect(preset.status, preset.err).toBe(0);
    expect(recipe.status, recipe.err).toBe(0);
    expect(await readFile(byPreset)).toEqual(await readFile(byRecipe));
    const report = JSON.parse(preset.out);
    expect(report.input.bytes).toBe(848);
    expect(report.output.bytes).toBe(424);
    const proto = decodeModelProto(await readFile(byPreset));
    expect(proto.graph!.initializer.every((tensor) => tensor.dataType === TensorProto_DataType.FLOAT16)).toBe(true);
    expect(proto.graph!.input[0]!.type?.value.case === 'tensorType' && proto.graph!.input[0]!.type.value.value.elemType).toBe(TensorProto_DataType.FLOAT);
    const written = await readOnnxFile(byPreset);
    expect(written.params.get('w1')!.shape).toEqual([8, 16]);
  });

  test('a recipe whose encoding ONNX has no form for writes the values decoded, says so, and reports the file as written', async () => {
    const target = join(directory, 'int8.onnx');
    const run = await runRecorded('compress', model, '--preset', 'int8', '-o', target, '--json');
    expect(run.status, run.err).toBe(0);
    expect(run.err).toMatch(/2 params written decoded, as dense float32/);
    expect(JSON.parse(run.out).output.bytes).toBe(848);
    expect((await readOnnxFile(target)).params.get('w1')!.value.kind).toBe('dense');
  });

  test('an output that is not a .onnx file is refused before anything is read', async () => {
    const run = await runRecorded('compress', model, '--preset', 'fp16', '-o', join(directory, 'out.safetensors'));
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/written as a \.onnx file/);
  });

  test('a truncated .onnx file is a one-line error naming the file and field', async () => {
    const truncated = join(directory, 'truncated.onnx');
    const bytes = encodeModelProto(buildModelProto(mlpSpec()));
    await writeFile(truncated, bytes.subarray(0, bytes.byteLength - 7));
    const run = await runRecorded('inspect', truncated);
    expect(run.status).toBe(1);
    expect(run.err).toMatch(/^whittle: .*truncated\.onnx: graph.*\n$/);
  });
});
