/**
 * Hostile files through `whittle inspect` and `whittle compress`: each is read correctly or
 * refused in one short line naming the file and the field; text output stays one row per tensor.
 */
import fc from 'fast-check';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';

let directory: string;
// Outputs go to a directory apart from the inputs', which the output rules would guard.
let outputs: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-hostile-'));
  outputs = await mkdtemp(join(tmpdir(), 'whittle-hostile-out-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  await rm(outputs, { recursive: true, force: true });
});

/** A safetensors file of the given header entries and data. */
async function safetensors(name: string, header: Record<string, unknown> | string, data: ArrayLike<number> = []): Promise<string> {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  const path = join(directory, name);
  await writeFile(path, bytes);
  return path;
}

/** The one error line of a failed run, checked for the contract. */
async function refusal(...argv: string[]): Promise<string> {
  const { status, out, err } = await runRecorded(...argv);
  expect(status).toBe(1);
  expect(out).toBe('');
  const lines = err.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.length).toBeLessThan(1200);
  expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  return lines[0]!;
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

describe('what inspect is given', () => {
  test('a TFJS weight shard is named as neither safetensors nor model.json, with what to pass instead', async () => {
    const shard = join(directory, 'group1-shard1of1.bin');
    await writeFile(shard, Uint8Array.from({ length: 400 }, (_, index) => (index * 97 + 13) % 256));
    const line = await refusal('inspect', shard);
    expect(line).toContain(`${shard}: neither a safetensors file nor a model.json`);
    expect(line).toContain('give a .safetensors file, a model.json, or the directory holding one');
  });

  test('a million-dimension shape is refused in one short line naming the tensor', async () => {
    const path = await safetensors('dims.safetensors', { w: f32(new Array(1_000_000).fill(1), 0, 4) }, [0, 0, 0, 0]);
    expect(await refusal('inspect', path)).toBe(
      `whittle: ${path}: header["w"].shape: a shape of 1000000 dimensions is over the limit of 64`,
    );
  });

  test('[0, 2^53 - 1] is refused naming the tensor; [0, 2^26] is listed as the empty tensor it is', async () => {
    const huge = await safetensors('huge.safetensors', { w: f32([0, 2 ** 53 - 1], 0, 0) });
    expect(await refusal('inspect', huge)).toContain(`${huge}: header["w"].shape: shape [0, 9007199254740991] spans more than`);
    const giant = await safetensors('giant.safetensors', { 'fc.weight': f32([0, 2 ** 26], 0, 0) });
    const { status, out } = await runRecorded('inspect', giant, '--json');
    expect(status).toBe(0);
    expect(JSON.parse(out).tensors[0]).toMatchObject({ name: 'fc.weight', shape: [0, 2 ** 26], params: 0, bytes: 0 });
  });

  test('the same shape in a TFJS manifest is refused naming model.json and the weight entry', async () => {
    const model = join(directory, 'tfjs');
    await rm(model, { recursive: true, force: true });
    await mkdir(model);
    await writeFile(join(model, 'group1-shard1of1.bin'), new Uint8Array(0));
    const weights = [{ name: 'dense/kernel', shape: [0, 2 ** 53 - 1], dtype: 'float32' }];
    const manifest = { format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }] };
    await writeFile(join(model, 'model.json'), JSON.stringify(manifest));
    const line = await refusal('inspect', join(model, 'model.json'));
    expect(line).toContain('model.json: weightsManifest[0].weights[0].shape: shape [0, 9007199254740991] spans more than');
  });

  test('control characters in names are escaped in the table and exact in JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((name) => `${name}\u001b[2J\n`), { minLength: 1, maxLength: 4 }), async (names) => {
        const header = Object.fromEntries(names.map((name, index) => [name, f32([1], 4 * index, 4 * index + 4)]));
        const path = await safetensors('names.safetensors', header, new Uint8Array(4 * names.length));
        const text = await runRecorded('inspect', path);
        expect(text.status).toBe(0);
        // Title, blank line, header, rule, one row per tensor, total.
        expect(text.out.trimEnd().split('\n')).toHaveLength(5 + names.length);
        expect(text.out).not.toMatch(/\u001b/);
        const json = await runRecorded('inspect', path, '--json');
        expect(JSON.parse(json.out).tensors.map((tensor: { name: string }) => tensor.name)).toEqual(names);
      }),
      { numRuns: 15 },
    );
  });

  test('200,000 tensors inspect in linear time', async () => {
    const count = 200_000;
    const parts = ['{'];
    for (let index = 0; index < count; index++) {
      parts.push(`${index === 0 ? '' : ','}"layers.${index}.weight":{"dtype":"F32","shape":[1],"data_offsets":[${4 * index},${4 * index + 4}]}`);
    }
    parts.push('}');
    const path = await safetensors('many.safetensors', parts.join(''), new Uint8Array(4 * count));
    const started = performance.now();
    const { status, out } = await runRecorded('inspect', path);
    expect(status).toBe(0);
    expect(out).toContain('total');
    expect(out.split('\n')).toHaveLength(count + 6);
    const json = await runRecorded('inspect', path, '--json');
    expect(JSON.parse(json.out).tensors).toHaveLength(count);
    // About 4 s for both on an idle machine; a quadratic step would take minutes.
    expect(performance.now() - started).toBeLessThan(45_000);
  }, 90_000);
});

describe('a file of many tensors through compress', () => {
  test('200,000 tensors compress one param at a time in linear time, each written right', async () => {
    const count = 200_000;
    const parts = ['{'];
    const values = new Float32Array(count);
    for (let index = 0; index < count; index++) {
      parts.push(`${index === 0 ? '' : ','}"layers.${index}.kernel":{"dtype":"F32","shape":[1,1],"data_offsets":[${4 * index},${4 * index + 4}]}`);
      // Halves up to 500: exact in float16.
      values[index] = (index % 1001) / 2;
    }
    parts.push('}');
    const path = await safetensors('many-compress.safetensors', parts.join(''), new Uint8Array(values.buffer));
    const output = join(outputs, 'many-compress.safetensors');
    const started = performance.now();
    const { status, err } = await runRecorded('compress', path, '--recipe', '[{"kind":"cast","dtype":"float16"}]', '-o', output);
    const seconds = (performance.now() - started) / 1000;
    expect(err).not.toContain('whittle:');
    expect(status).toBe(0);
    // About 10 s on an idle machine; a quadratic step, or a large fixed cost per param, would take minutes.
    expect(seconds).toBeLessThan(90);
    // Checked with plain JSON.parse and a float16 decoder of its own, not whittle's reader.
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(output);
    const headerSize = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerSize).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    const names = Object.keys(header).filter((key) => key !== '__metadata__');
    expect(names).toHaveLength(count);
    for (const index of [0, 1, 999, 1000, 1001, 123_457, count - 1]) {
      const entry = header[`layers.${index}.kernel`]!;
      expect(entry.dtype).toBe('F16');
      expect(entry.shape).toEqual([1, 1]);
      expect(entry.data_offsets[1] - entry.data_offsets[0]).toBe(2);
      expect(halfToNumber(bytes.readUInt16LE(8 + headerSize + entry.data_offsets[0]))).toBe(values[index]);
    }
  }, 180_000);
});

/** A float16's value, for normal numbers and zero. */
function halfToNumber(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0 && fraction === 0) return 0;
  return (bits & 0x8000 ? -1 : 1) * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

describe('what compress is given', () => {
  test('NaN and infinite weights are refused naming the file and the param', async () => {
    const data = new Uint8Array(new Float32Array([1, Number.NaN, Number.POSITIVE_INFINITY, 2]).buffer);
    const path = await safetensors('nan.safetensors', { 'fc.weight': f32([2, 2], 0, 16) }, data);
    const line = await refusal('compress', path, '--recipe', '[{"kind":"quantize.affine","bits":8}]', '-o', join(outputs, 'nan.safetensors'));
    expect(line).toMatch(new RegExp(`^whittle: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*params\\["fc.weight"\\]`));
    expect(line).toContain('NaN');
  });

  test('NaN weights in a TFJS model are refused naming model.json and the param; a recipe mistake names the recipe', async () => {
    const model = join(directory, 'nan-tfjs');
    await mkdir(model, { recursive: true });
    const weights = new Float32Array([0.5, Number.NaN, 1, 2]);
    await writeFile(join(model, 'weights.bin'), new Uint8Array(weights.buffer));
    const weightsManifest = [{ paths: ['weights.bin'], weights: [{ name: 'dense/kernel', shape: [2, 2], dtype: 'float32' }] }];
    await writeFile(join(model, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: null, weightsManifest }));
    const modelJson = join(model, 'model.json');
    const line = await refusal('compress', model, '--preset', 'int8', '-o', join(outputs, 'nan-tfjs'));
    expect(line.startsWith(`whittle: ${modelJson}: step 1: `)).toBe(true);
    expect(line).toContain('dense/kernel');
    expect(line).toContain('NaN');
    // The step's filter selects nothing: the recipe's mistake, named after the recipe.
    const recipeLine = await refusal('compress', model, '--recipe', '{"kind":"cast","dtype":"float16","include":["conv/**"]}', '-o', join(outputs, 'nan-tfjs'));
    expect(recipeLine.startsWith('whittle: --recipe: step 1: ')).toBe(true);
  });

  test('a BOOL byte of 7 is refused naming the file and the tensor', async () => {
    // A weight beside the mask, so the cast step selects a param and the file is read.
    const header = { mask: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] }, 'fc.weight': { dtype: 'F32', shape: [1, 1], data_offsets: [2, 6] } };
    const path = await safetensors('bool.safetensors', header, [1, 7, 0, 0, 128, 63]);
    const line = await refusal('compress', path, '--recipe', '[{"kind":"cast","dtype":"float16"}]', '-o', join(outputs, 'bool.safetensors'));
    expect(line).toContain(`${path}: header["mask"]`);
    expect(line).toContain('got 7');
  });

  test('an empty weight with a giant dimension is kept as it is, in a small output', async () => {
    const path = await safetensors('empty.safetensors', { 'fc.weight': f32([0, 2 ** 26], 0, 0), b: f32([4], 0, 16) }, new Uint8Array(16));
    const output = join(outputs, 'empty.safetensors');
    const { status, err } = await runRecorded('compress', path, '--recipe', '[{"kind":"quantize.affine","bits":8,"granularity":{"kind":"axis","axis":-1}}]', '-o', output, '--quiet');
    expect(err).toBe('');
    expect(status).toBe(0);
    // The header's reserved room and 16 bytes of data: not 268 MB of scales.
    expect((await stat(output)).size).toBeLessThan(65_536);
  });
});
