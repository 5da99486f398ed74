import { link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { castDense } from '../encoding/dense.ts';
import { decode } from '../encoding/decode.ts';
import { affineFromCodes } from '../encoding/affine.ts';
import { WhittleError } from '../errors.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import type { Param } from '../model/types.ts';
import { isFloatDType } from '../tensor/dtype.ts';
import { toFloat32 } from '../tensor/host-tensor.ts';
import { openSafetensorsFile, readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.ts';
import { transformSafetensorsFile } from './safetensors-transform.ts';

let directory: string;
let input: string;
let outputs: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-safetensors-'));
  await mkdir(join(directory, 'in'));
  await mkdir(join(directory, 'out'));
  input = join(directory, 'in', 'model.safetensors');
  outputs = join(directory, 'out');
  const model = modelFromTensors({
    'fc1.weight': { dtype: 'float32', shape: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1) },
    'fc1.bias': { dtype: 'float32', shape: [4], data: new Float32Array([0.5, -0.5, 1, 2]) },
    'bn.running_mean': { dtype: 'float32', shape: [4], data: new Float32Array(4) },
    'bn.num_batches': { dtype: 'int32', shape: [], data: new Int32Array([7]) },
  });
  await writeSafetensorsFile(input, model, { metadata: { format: 'pt' } });
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const toHalf = (param: Param): Param =>
  param.value.kind === 'dense' && isFloatDType(param.value.tensor.dtype)
    ? { ...param, value: castDense(param.value.tensor, 'float16') }
    : param;

/** A stand-in for quantization: 8-bit per-tensor affine codes of every 2-D float weight. */
function quantize(param: Param): Param {
  if (param.value.kind !== 'dense' || param.shape.length !== 2) return param;
  const values = toFloat32(param.value.tensor).data;
  const scale = Math.max(...values.map(Math.abs)) / 127;
  return {
    ...param,
    value: affineFromCodes({
      shape: param.shape,
      bits: 8,
      signed: true,
      granularity: { kind: 'tensor' },
      codes: Array.from(values, (value) => Math.round(value / scale)),
      scales: { dtype: 'float32', shape: [], data: new Float32Array([scale]) },
    }),
  };
}

describe('transformSafetensorsFile', () => {
  test('an identity rewrite of a file whittle wrote is the same but for header padding', async () => {
    const output = join(outputs, 'same.safetensors');
    await transformSafetensorsFile(input, output, (param) => param);
    const [before, after] = [await readFile(input), await readFile(output)];
    const headerSize = (bytes: Buffer): number => Number(bytes.readBigUInt64LE(0));
    const json = (bytes: Buffer): string => bytes.subarray(8, 8 + headerSize(bytes)).toString('utf8').trimEnd();
    expect(json(after)).toBe(json(before));
    expect(headerSize(after) % 8).toBe(0);
    expect(Buffer.compare(after.subarray(8 + headerSize(after)), before.subarray(8 + headerSize(before)))).toBe(0);
    expect(await readdir(outputs)).toEqual(['same.safetensors']);
  });

  test('casts float params to float16 one at a time, keeping the rest and the metadata', async () => {
    const output = join(outputs, 'half.safetensors');
    const seen: string[] = [];
    await transformSafetensorsFile(input, output, (param) => {
      seen.push(param.name);
      return toHalf(param);
    });
    expect(seen).toEqual(['fc1.weight', 'fc1.bias', 'bn.running_mean', 'bn.num_batches']);
    const file = await openSafetensorsFile(output);
    try {
      expect(file.header.metadata).toEqual({ format: 'pt' });
      expect([...file.header.tensors.values()].map((tensor) => tensor.dtype)).toEqual(['F16', 'F16', 'F16', 'I32']);
      const original = await readSafetensorsFile(input);
      for await (const param of file.params()) {
        const before = original.params.get(param.name)!;
        expect(param.role).toBe(before.role);
        expect(param.value).toEqual(toHalf(before).value);
      }
    } finally {
      await file.close();
    }
  });

  test('quantizes a checkpoint: encoded params come back as encodings, decoding near the original', async () => {
    const output = join(outputs, 'int8.safetensors');
    await transformSafetensorsFile(input, output, quantize);
    const model = await readSafetensorsFile(output);
    const weight = model.params.get('fc1.weight')!;
    expect(weight).toMatchObject({ role: 'linear-weight', shape: [4, 3], value: { kind: 'affine', bits: 8 } });
    const original = Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1);
    const decoded = decode(weight.value).data as Float32Array;
    decoded.forEach((value, index) => expect(value).toBeCloseTo(original[index]!, 1));
    const file = await openSafetensorsFile(output);
    try {
      expect([...file.header.tensors.keys()]).toEqual([
        'fc1.weight#scales',
        'fc1.weight#codes',
        'fc1.bias',
        'bn.running_mean',
        'bn.num_batches',
      ]);
      expect((await file.readTensor('fc1.weight#codes')).dtype).toBe('uint8');
    } finally {
      await file.close();
    }
  });

  test('a failing transform leaves no output and no temporary files', async () => {
    const output = join(outputs, 'broken.safetensors');
    let calls = 0;
    const failing = (param: Param): Param => {
      if (++calls === 3) throw new Error('out of memory, say');
      return quantize(param);
    };
    await expect(transformSafetensorsFile(input, output, failing)).rejects.toThrow('out of memory');
    expect(await readdir(outputs)).toEqual([]);
    const invalid = (param: Param): Param => ({ ...param, value: { kind: 'dense' } as Param['value'] });
    await expect(transformSafetensorsFile(input, output, invalid)).rejects.toBeInstanceOf(WhittleError);
    expect(await readdir(outputs)).toEqual([]);
    expect(await readdir(join(directory, 'in'))).toEqual(['model.safetensors']);
  });

  test('never writes over its input, and needs force for an existing output', async () => {
    const before = await readFile(input);
    await expect(transformSafetensorsFile(input, input, (param) => param, { force: true })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    expect(Buffer.compare(await readFile(input), before)).toBe(0);
    const output = join(outputs, 'model.safetensors');
    await transformSafetensorsFile(input, output, (param) => param);
    await expect(transformSafetensorsFile(input, output, toHalf)).rejects.toMatchObject({ code: 'invalid-argument' });
    await transformSafetensorsFile(input, output, toHalf, { force: true });
    expect((await readSafetensorsFile(output)).params.get('fc1.bias')?.value).toMatchObject({
      tensor: { dtype: 'float16' },
    });
    expect(await readdir(join(directory, 'in'))).toEqual(['model.safetensors']);
  });

  test('reports a malformed input as a malformed-file error naming it', async () => {
    const output = join(outputs, 'x.safetensors');
    await expect(
      transformSafetensorsFile(join(outputs, 'missing.safetensors'), output, (param) => param)
    ).rejects.toBeInstanceOf(WhittleError);
    const bad = join(directory, 'in', 'bad.safetensors');
    await writeFile(bad, new Uint8Array([1, 2, 3]));
    await expect(transformSafetensorsFile(bad, output, (param) => param)).rejects.toMatchObject({
      code: 'malformed-file',
      file: bad,
    });
    expect(await readdir(outputs)).toEqual([]);
  });
});

describe('safetensors files', () => {
  test('openSafetensorsFile reads tensors and params on demand', async () => {
    const file = await openSafetensorsFile(input);
    try {
      expect([...file.header.params.keys()]).toEqual(['fc1.weight', 'fc1.bias', 'bn.running_mean', 'bn.num_batches']);
      expect(await file.readTensor('bn.num_batches')).toEqual({ dtype: 'int32', shape: [], data: new Int32Array([7]) });
      expect((await file.readParam('bn.running_mean')).role).toBe('norm-mean');
    } finally {
      await file.close();
    }
  });

  test('writeSafetensorsFile streams an async iterable through a spill file it removes', async () => {
    const output = join(outputs, 'streamed.safetensors');
    async function* params(): AsyncGenerator<Param> {
      const file = await openSafetensorsFile(input);
      try {
        yield* file.params();
      } finally {
        await file.close();
      }
    }
    await writeSafetensorsFile(output, params(), { metadata: { format: 'pt' } });
    expect(Buffer.compare(await readFile(output), await readFile(input))).toBe(0);
    expect(await readdir(outputs)).toEqual(['streamed.safetensors']);
  });
});

describe('output rules for a single-file input', () => {
  test("the README's example: model-f16.safetensors beside model.safetensors, with relative names", async () => {
    const cwd = process.cwd();
    const relativeInput = relative(cwd, input);
    const beside = join(dirname(relativeInput), 'model-f16.safetensors');
    await transformSafetensorsFile(relativeInput, beside, toHalf);
    const back = await readSafetensorsFile(beside);
    expect(back.params.get('fc1.bias')!.value).toMatchObject({ kind: 'dense', tensor: { dtype: 'float16' } });
    expect(Array.from(toFloat32(decode(back.params.get('fc1.bias')!.value)).data)).toEqual([0.5, -0.5, 1, 2]);
    // Again without force: the output exists; with force it is replaced.
    await expect(transformSafetensorsFile(relativeInput, beside, toHalf)).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/exists already/),
    });
    await transformSafetensorsFile(relativeInput, beside, toHalf, { force: true });
    // The input under other spellings and links is never the output, force or not.
    await symlink(input, join(directory, 'in', 'alias.safetensors'));
    await link(input, join(directory, 'in', 'hard.safetensors'));
    const before = await readFile(input);
    for (const output of [input, `${dirname(input)}/./model.safetensors`, join(directory, 'in', 'alias.safetensors'), join(directory, 'in', 'hard.safetensors')]) {
      await expect(transformSafetensorsFile(input, output, toHalf, { force: true })).rejects.toThrow(/is the input/);
    }
    expect(await readFile(input)).toEqual(before);
    expect((await readdir(join(directory, 'in'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('an output in a folder that does not exist yet is made; a failed one leaves no folder', async () => {
    const nested = join(directory, 'new', 'deeper', 'model.safetensors');
    await transformSafetensorsFile(input, nested, toHalf);
    expect((await readSafetensorsFile(nested)).params.size).toBe(4);
    const failing = join(directory, 'never', 'model.safetensors');
    await expect(
      transformSafetensorsFile(input, failing, () => {
        throw new WhittleError('invalid-argument', 'stop');
      })
    ).rejects.toThrow(/stop/);
    expect(await readdir(directory)).not.toContain('never');
  });
});
