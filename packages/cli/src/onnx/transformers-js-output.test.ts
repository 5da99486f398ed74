import { decodeModelProto, encodeModelProto } from '@whittle/onnx';
import { buildModelProto, convSpec, mlpSpec } from '@whittle/onnx/test';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';
import { compressPaths, TRANSFORMERS_JS_SUFFIXES, transformersJsPaths } from './transformers-js-output.ts';

let directory: string;

/** A transformers.js model folder: config.json and onnx/<name>.onnx. */
async function modelFolder(name: string, files: Record<string, Uint8Array> = { 'model.onnx': encodeModelProto(buildModelProto(mlpSpec())) }): Promise<string> {
  const folder = join(directory, name);
  await mkdir(join(folder, 'onnx'), { recursive: true });
  await writeFile(join(folder, 'config.json'), '{"model_type":"bert"}');
  for (const [file, bytes] of Object.entries(files)) await writeFile(join(folder, 'onnx', file), bytes);
  return folder;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-transformers-js-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('compress --transformers-js', () => {
  // transformers.js's own names (its DEFAULT_DTYPE_SUFFIX_MAPPING), written out here, not derived.
  test.each([
    ['q4', 'model_q4.onnx', 'MatMulNBits'],
    ['q4f16', 'model_q4f16.onnx', 'MatMulNBits'],
    ['fp16', 'model_fp16.onnx', 'Cast'],
    ['q8', 'model_quantized.onnx', 'MatMulInteger'],
    ['uint8', 'model_uint8.onnx', 'MatMulInteger'],
  ])('--preset %s writes onnx/%s beside config.json', async (preset, file, op) => {
    const folder = await modelFolder(`model-${preset}`);
    const result = await runRecorded('compress', folder, '--preset', preset, '--transformers-js', '--quiet');
    expect(result.status, result.err).toBe(0);
    expect((await readdir(join(folder, 'onnx'))).sort()).toEqual([file, 'model.onnx'].sort());
    const proto = decodeModelProto(await readFile(join(folder, 'onnx', file)));
    expect(proto.graph!.node.map((node) => node.opType)).toContain(op);
    expect(result.out).toContain(join('onnx', file));
  });

  test('an .onnx file in the onnx/ folder keeps its own name: decoder_model_merged_quantized.onnx', async () => {
    const folder = await modelFolder('decoder', { 'decoder_model_merged.onnx': encodeModelProto(buildModelProto(convSpec())) });
    const input = join(folder, 'onnx', 'decoder_model_merged.onnx');
    const result = await runRecorded('compress', input, '--preset', 'q8', '--transformers-js', '--quiet');
    expect(result.status, result.err).toBe(0);
    const proto = decodeModelProto(await readFile(join(folder, 'onnx', 'decoder_model_merged_quantized.onnx')));
    expect(proto.graph!.node.map((node) => node.opType)).toContain('ConvInteger');
  });

  test('an existing output is refused without --force and left as it was; --force replaces it', async () => {
    const folder = await modelFolder('existing');
    const output = join(folder, 'onnx', 'model_q4.onnx');
    await writeFile(output, 'previous');
    const refused = await runRecorded('compress', folder, '--preset', 'q4', '--transformers-js', '--quiet');
    expect(refused.status).not.toBe(0);
    expect(refused.err).toMatch(/exists already.*--force/);
    expect(await readFile(output, 'utf8')).toBe('previous');
    const forced = await runRecorded('compress', folder, '--preset', 'q4', '--transformers-js', '--force', '--quiet');
    expect(forced.status, forced.err).toBe(0);
    expect(decodeModelProto(await readFile(output)).graph!.node.some((node) => node.opType === 'MatMulNBits')).toBe(true);
  });

  test('a failed compression leaves nothing behind in the onnx/ folder', async () => {
    const folder = await modelFolder('broken', { 'model.onnx': new Uint8Array([0x0a, 0xff, 0xff, 0xff]) });
    const result = await runRecorded('compress', folder, '--preset', 'q4', '--transformers-js', '--quiet');
    expect(result.status).not.toBe(0);
    expect(result.err).toContain('model.onnx');
    expect(await readdir(join(folder, 'onnx'))).toEqual(['model.onnx']);
  });

  test.each([
    [['--preset', 'int8'], /--preset fp16, q4, q4f16, q8, uint8/],
    [['--recipe', '{"kind":"onnx.q4"}'], /pass --preset/],
    [['--preset', 'q4', '-o', 'somewhere.onnx'], /option '--transformers-js' cannot be used with option '-o, --output <path>'/],
  ])('%o is refused with a one-line error', async (flags, message) => {
    const folder = await modelFolder(`refused-${flags.join('')}`.replace(/[^a-z0-9-]/gi, ''));
    const result = await runRecorded('compress', folder, ...flags, '--transformers-js', '--quiet');
    expect(result.status).not.toBe(0);
    expect(result.err).toMatch(message);
    expect(result.err.trim().split('\n')).toHaveLength(1);
    expect(await readdir(join(folder, 'onnx'))).toEqual(['model.onnx']);
  });

  test('without -o or --transformers-js, compress names both', async () => {
    const folder = await modelFolder('neither');
    const result = await runRecorded('compress', folder, '--preset', 'q4', '--quiet');
    expect(result.status).not.toBe(0);
    expect(result.status).toBe(2);
    expect(result.err).toMatch(/required option '-o, --output <path>' not specified \(or --transformers-js/);
  });

  test('compressPaths, called directly, refuses neither and both of -o and --transformers-js', async () => {
    await expect(compressPaths('model.onnx', {})).rejects.toThrow(/pass -o <path>/);
    await expect(compressPaths('model.onnx', { output: 'x.onnx', transformersJs: true, preset: 'q4' })).rejects.toThrow(/drop -o/);
    expect(await compressPaths('model.onnx', { output: 'x.onnx' })).toEqual({ input: 'model.onnx', output: 'x.onnx' });
  });
});

describe('transformersJsPaths', () => {
  test('a folder without config.json, a file outside onnx/, and a variant as input are refused', async () => {
    const bare = join(directory, 'bare');
    await mkdir(join(bare, 'onnx'), { recursive: true });
    await writeFile(join(bare, 'onnx', 'model.onnx'), '');
    await expect(transformersJsPaths(bare, 'q4')).rejects.toThrow(/config\.json/);
    const folder = await modelFolder('layouts', { 'model.onnx': new Uint8Array(), 'model_q4.onnx': new Uint8Array() });
    await writeFile(join(folder, 'loose.onnx'), '');
    await expect(transformersJsPaths(join(folder, 'loose.onnx'), 'q4')).rejects.toThrow(/onnx\/ folder/);
    await expect(transformersJsPaths(join(folder, 'onnx', 'model_q4.onnx'), 'q8')).rejects.toThrow(/already a compressed variant/);
    await expect(transformersJsPaths(join(folder, 'config.json'), 'q8')).rejects.toThrow(/\.onnx file/);
    expect((await stat(join(folder, 'onnx', 'model_q4.onnx'))).size).toBe(0);
  });

  test('every suffix is distinct and starts with an underscore', () => {
    const suffixes = Object.values(TRANSFORMERS_JS_SUFFIXES);
    expect(new Set(suffixes).size).toBe(suffixes.length);
    for (const suffix of suffixes) expect(suffix).toMatch(/^_[a-z0-9]+$/);
  });
});
