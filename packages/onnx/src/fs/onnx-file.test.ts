import { mkdtemp, mkdir, readFile, symlink, writeFile, readdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { WhittleError, type HostTensor } from '@whittle/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeModelProto, encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { StringStringEntryProtoSchema, type ModelProto } from '../proto/onnx_pb.ts';
import { buildModelProto, mlpSpec } from '../test-support/test-models.ts';
import { randomFloats, runOnnx } from '../test-support/run-onnx.ts';
import { readOnnxFile } from './read-onnx-file.ts';
import { writeOnnxFile } from './write-onnx-file.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-onnx-'));
});
afterAll(async () => {
  execFileSync('rm', ['-rf', directory]);
});

/** The MLP with w1 (512 bytes) and w2 (256 bytes) moved by hand into `data` at offsets 0 and 512. */
async function externalModel(name: string, edit: (proto: ModelProto) => void = () => undefined): Promise<string> {
  const proto = buildModelProto(mlpSpec());
  const w1 = proto.graph!.initializer[0]!;
  const w2 = proto.graph!.initializer[2]!;
  const data = new Uint8Array([...w1.rawData, ...w2.rawData]);
  const entries = (offset: number, length: number) =>
    [['location', `${name}.bin`], ['offset', String(offset)], ['length', String(length)]].map(([key, value]) => create(StringStringEntryProtoSchema, { key: key!, value: value! }));
  Object.assign(w1, { rawData: new Uint8Array(0), dataLocation: 1, externalData: entries(0, 512) });
  Object.assign(w2, { rawData: new Uint8Array(0), dataLocation: 1, externalData: entries(512, 256) });
  edit(proto);
  await writeFile(join(directory, `${name}.bin`), data);
  const file = join(directory, `${name}.onnx`);
  await writeFile(file, encodeModelProto(proto));
  return file;
}

const values = (tensor: HostTensor) => Array.from(tensor.data as Float32Array);

describe('readOnnxFile', () => {
  test('reads external data from its byte ranges into the same params as inline data', async () => {
    const model = await readOnnxFile(await externalModel('external'));
    const spec = mlpSpec();
    for (const name of ['w1', 'b1', 'w2', 'b2']) {
      const param = model.params.get(name)!;
      expect(param.value.kind === 'dense' && values(param.value.tensor)).toEqual(values(spec.initializers[name]!));
    }
  });

  const externalCases: [string, (proto: ModelProto) => void, string][] = [
    ['escapes with ..', (proto) => (proto.graph!.initializer[0]!.externalData[0]!.value = '../outside.bin'), 'graph.initializer[0].external_data.location'],
    ['is absolute', (proto) => (proto.graph!.initializer[0]!.externalData[0]!.value = '/etc/passwd'), 'graph.initializer[0].external_data.location'],
    ['names a missing file', (proto) => (proto.graph!.initializer[0]!.externalData[0]!.value = 'missing.bin'), 'graph.initializer[0].external_data.location'],
    ['gives a length other than dims × type', (proto) => (proto.graph!.initializer[0]!.externalData[2]!.value = '4'), 'graph.initializer[0].external_data.length'],
    ['runs past the end of the file', (proto) => (proto.graph!.initializer[2]!.externalData[1]!.value = '600'), 'graph.initializer[2].external_data.offset'],
    ['has a negative offset', (proto) => (proto.graph!.initializer[2]!.externalData[1]!.value = '-4'), 'graph.initializer[2].external_data.offset'],
    ['has a huge offset', (proto) => (proto.graph!.initializer[2]!.externalData[1]!.value = '99999999999999999999'), 'graph.initializer[2].external_data.offset'],
    ['has no location', (proto) => proto.graph!.initializer[0]!.externalData.splice(0, 1), 'graph.initializer[0].external_data'],
    ['fails its checksum', (proto) => proto.graph!.initializer[0]!.externalData.push(create(StringStringEntryProtoSchema, { key: 'checksum', value: '0'.repeat(40) })), 'graph.initializer[0].external_data.checksum'],
  ];
  test.each(externalCases)('external data that %s is a typed error naming the field', async (_, edit, field) => {
    const file = await externalModel(`case-${field.length}-${Math.random().toString(36).slice(2)}`, edit);
    const error = await readOnnxFile(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WhittleError);
    expect((error as WhittleError).field).toBe(field);
    expect((error as WhittleError).file).toBe(file);
    expect((error as WhittleError).message).not.toContain('\n');
  });

  test('a checksum that matches passes', async () => {
    const { createHash } = await import('node:crypto');
    const file = await externalModel('checksum', (proto) => {
      const w1 = buildModelProto(mlpSpec()).graph!.initializer[0]!.rawData;
      proto.graph!.initializer[0]!.externalData.push(create(StringStringEntryProtoSchema, { key: 'checksum', value: createHash('sha1').update(w1).digest('hex') }));
    });
    await expect(readOnnxFile(file)).resolves.toBeDefined();
  });

  test('a symlink out of the model directory is refused unless followLinksOutside', async () => {
    const inner = join(directory, 'linked');
    await mkdir(inner);
    const outside = await externalModel('target');
    const proto = decodeModelProto(await readFile(outside));
    for (const tensor of proto.graph!.initializer) for (const entry of tensor.externalData) if (entry.key === 'location') entry.value = 'weights.bin';
    await writeFile(join(inner, 'model.onnx'), encodeModelProto(proto));
    await symlink(join(directory, 'target.bin'), join(inner, 'weights.bin'));
    const error = await readOnnxFile(join(inner, 'model.onnx')).catch((caught: unknown) => caught);
    expect((error as WhittleError).message).toMatch(/outside the model directory/);
    await expect(readOnnxFile(join(inner, 'model.onnx'), { followLinksOutside: true })).resolves.toBeDefined();
  });

  test('a FIFO as external data is refused without blocking', async () => {
    const inner = join(directory, 'fifo');
    await mkdir(inner);
    execFileSync('mkfifo', [join(inner, 'weights.bin')]);
    const proto = decodeModelProto(await readFile(await externalModel('fifo-source')));
    for (const tensor of proto.graph!.initializer) for (const entry of tensor.externalData) if (entry.key === 'location') entry.value = 'weights.bin';
    await writeFile(join(inner, 'model.onnx'), encodeModelProto(proto));
    const error = await readOnnxFile(join(inner, 'model.onnx')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WhittleError);
    expect((error as WhittleError).field).toBe('graph.initializer[0].external_data.location');
  });
});

describe('writeOnnxFile', () => {
  test('under the threshold one file; over it the weights go to model.onnx_data, and both run the same', async () => {
    const model = await readOnnxFile(await externalModel('source'));
    const inline = join(directory, 'inline.onnx');
    const split = join(directory, 'split.onnx');
    expect(await writeOnnxFile(inline, model)).toEqual({ model: inline, bytes: expect.any(Number), decoded: [] });
    const written = await writeOnnxFile(split, model, { externalDataThreshold: 100 });
    expect(written.data).toBe(join(directory, 'split.onnx_data'));
    const proto = decodeModelProto(await readFile(split));
    // Every tensor of the MLP is under the 1 KiB minimum, so all stay inline.
    expect(proto.graph!.initializer.filter((tensor) => tensor.dataLocation === 1).map((tensor) => tensor.name)).toEqual([]);
    const x = randomFloats(16, 3);
    const expected = await runOnnx(await readFile(inline), { x: { dims: [2, 8], data: x } });
    const actual = await runOnnx(await readFile(split), { x: { dims: [2, 8], data: x } }, [{ path: 'split.onnx_data', data: await readFile(written.data!) }]);
    expect(actual.y!.data).toEqual(expected.y!.data);
  });

  test('a model with tensors of 1 KiB and more keeps them external, read back exactly', async () => {
    const spec = mlpSpec();
    const proto = buildModelProto({
      ...spec,
      initializers: { ...spec.initializers, w1: { dtype: 'float32', shape: [8, 64], data: randomFloats(512, 8) }, b1: { dtype: 'float32', shape: [64], data: randomFloats(64, 9) }, w2: { dtype: 'float32', shape: [64, 4], data: randomFloats(256, 10) } },
    });
    const source = join(directory, 'wide.onnx');
    await writeFile(source, encodeModelProto(proto));
    const model = await readOnnxFile(source);
    const target = join(directory, 'wide-out.onnx');
    const written = await writeOnnxFile(target, model, { externalDataThreshold: 0, inputs: [source] });
    const back = decodeModelProto(await readFile(target));
    // w1 is 2 KiB and w2 exactly 1 KiB; b1 (256 bytes) stays inline.
    expect(back.graph!.initializer.filter((tensor) => tensor.dataLocation === 1).map((tensor) => tensor.name)).toEqual(['w1', 'w2']);
    const reread = await readOnnxFile(target);
    for (const [name, param] of model.params) expect(reread.params.get(name)!.value).toEqual(param.value);
    const x = randomFloats(8, 3);
    const expected = await runOnnx(encodeModelProto(proto), { x: { dims: [1, 8], data: x } });
    const actual = await runOnnx(await readFile(target), { x: { dims: [1, 8], data: x } }, [{ path: 'wide-out.onnx_data', data: await readFile(written.data!) }]);
    expect(actual.y!.data).toEqual(expected.y!.data);
  });

  test('an existing output is refused without force, the input never overwritten, and nothing is left behind', async () => {
    const source = await externalModel('keep');
    const model = await readOnnxFile(source);
    const existing = join(directory, 'existing.onnx');
    await writeFile(existing, 'x');
    const before = await readdir(directory);
    await expect(writeOnnxFile(source, model, { inputs: [source], force: true })).rejects.toThrow(WhittleError);
    await expect(writeOnnxFile(existing, model)).rejects.toThrow(/exists/);
    await expect(writeOnnxFile(existing, model, { externalDataThreshold: 0 })).rejects.toThrow(/exists/);
    expect((await readFile(existing, 'utf8'))).toBe('x');
    expect((await readdir(directory)).sort()).toEqual(before.sort());
  });
});
