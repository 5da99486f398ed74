import fc from 'fast-check';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { affineFromCodes } from '../encoding/affine.ts';
import { castDense } from '../encoding/dense.ts';
import { memorySink } from '../formats/byte-source.ts';
import { isWellFormedName } from '../formats/safetensors/naming.ts';
import { writeSafetensors } from '../formats/safetensors/write.ts';
import type { Param } from '../model/types.ts';
import { isFloatDType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { toFloat32 } from '../tensor/host-tensor.ts';
import { openSafetensorsFile, readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.ts';
import { estimateHeaderReservation, writeReservedSafetensors } from './safetensors-reserved.ts';
import { transformSafetensorsFile } from './safetensors-transform.ts';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-reserved-'));
  await mkdir(join(directory, 'in'));
  await mkdir(join(directory, 'out'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const dense = (name: string, tensor: HostTensor): Param => ({
  name,
  role: 'other',
  shape: tensor.shape,
  value: { kind: 'dense', tensor },
});

const PARAMS: Param[] = [
  dense('fc.weight', { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }),
  dense('0', { dtype: 'int8', shape: [5], data: new Int8Array([1, -2, 3, -4, 5]) }),
  dense('empty', { dtype: 'float32', shape: [0], data: new Float32Array(0) }),
  dense('half', { dtype: 'bfloat16', shape: [2], data: new Uint16Array([0x3f80, 0xc000]) }),
];

async function* stream(params: readonly Param[]): AsyncGenerator<Param> {
  yield* params;
}

/** What the spill writer (the reference) writes for `params`. */
async function reference(params: readonly Param[], metadata: Record<string, string> = {}): Promise<Uint8Array> {
  const sink = memorySink();
  await writeSafetensors(sink, stream(params), { metadata });
  return sink.bytes();
}

/** Splits a file into its JSON header (padding trimmed), header size and data section. */
function split(bytes: Uint8Array): { json: string; headerSize: number; data: Uint8Array } {
  const headerSize = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const json = new TextDecoder().decode(bytes.subarray(8, 8 + headerSize)).trimEnd();
  return { json, headerSize, data: bytes.subarray(8 + headerSize) };
}

/** The same file as `expected` but for spaces padding the header, still 8-byte aligned. */
function expectSameButPadding(actual: Uint8Array, expected: Uint8Array): void {
  const a = split(actual);
  const b = split(expected);
  expect(a.json).toBe(b.json);
  expect(a.headerSize % 8).toBe(0);
  expect(Buffer.compare(a.data, b.data)).toBe(0);
}

const toHalf = (param: Param): Param =>
  param.value.kind === 'dense' && isFloatDType(param.value.tensor.dtype) && param.value.tensor.dtype !== 'float16'
    ? { ...param, value: castDense(param.value.tensor, 'float16') }
    : param;

function quantize(param: Param): Param {
  if (param.value.kind !== 'dense' || !isFloatDType(param.value.tensor.dtype) || param.shape.length === 0) return param;
  const values = toFloat32(param.value.tensor).data;
  const scale = Math.max(1e-3, ...Array.from(values, Math.abs)) / 127;
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

/** A rename far longer than any per-param budget: the reservation must fall short. */
const lengthen = (param: Param): Param => ({ ...param, name: `${param.name}.${'x'.repeat(3000)}` });

const TRANSFORMS = [(param: Param) => param, toHalf, quantize, lengthen] as const;

describe('writeReservedSafetensors', () => {
  test('writes what the spill writer writes, the header padded to the reservation', async () => {
    const output = join(directory, 'out', 'model.safetensors');
    const result = await writeReservedSafetensors(output, stream(PARAMS), {
      reservation: 1001,
      metadata: { format: 'pt' },
    });
    expect(result).toEqual({ fitted: true, headerSize: 1008 });
    const bytes = new Uint8Array(await readFile(output));
    expectSameButPadding(bytes, await reference(PARAMS, { format: 'pt' }));
    expect(split(bytes).headerSize).toBe(1008);
    expect((await readSafetensorsFile(output)).params.get('fc.weight')?.value).toEqual(PARAMS[0]!.value);
    expect(await readdir(join(directory, 'out'))).toEqual(['model.safetensors']);
  });

  test('writes tiny tensors of every dtype at any alignment byte for byte, float NaN payloads included', async () => {
    // Tensors of a few bytes are copied in element by element; any bit pattern must come out as it went in.
    const TYPES = {
      float64: Float64Array,
      float32: Float32Array,
      float16: Uint16Array,
      bfloat16: Uint16Array,
      int32: Int32Array,
      int16: Int16Array,
      uint16: Uint16Array,
      int8: Int8Array,
      uint8: Uint8Array,
    } as const;
    const tensorOf = fc
      .tuple(fc.constantFrom(...(Object.keys(TYPES) as (keyof typeof TYPES)[])), fc.nat({ max: 20 }), fc.uint8Array({ minLength: 160, maxLength: 160 }))
      .map(([dtype, length, bytes]): HostTensor => {
        const type = TYPES[dtype];
        const data = new type(bytes.buffer.slice(0, length * type.BYTES_PER_ELEMENT));
        // Signalling NaNs, which a copy through a float value would quiet.
        if (data instanceof Float32Array && length > 0) new Uint32Array(data.buffer)[0] = 0x7f800001;
        if (data instanceof Float64Array && length > 0) new Uint32Array(data.buffer)[1] = 0x7ff00000;
        return { dtype, shape: [length], data } as HostTensor;
      });
    await fc.assert(
      fc.asyncProperty(fc.array(tensorOf, { minLength: 1, maxLength: 12 }), async (tensors) => {
        const params = tensors.map((tensor, index) => dense(`t${index}`, tensor));
        const output = join(directory, 'out', 'tiny.safetensors');
        await writeReservedSafetensors(output, stream(params), { reservation: 4096, force: true });
        expectSameButPadding(new Uint8Array(await readFile(output)), await reference(params));
      }),
      { numRuns: 60 },
    );
  });

  test('falls back to moving the data when the header outgrows its room, byte for byte the spill output', async () => {
    const expected = await reference(PARAMS);
    for (const reservation of [0, 8, split(expected).headerSize - 8]) {
      const output = join(directory, 'out', `small-${reservation}.safetensors`);
      const result = await writeReservedSafetensors(output, stream(PARAMS), { reservation });
      expect(result.fitted).toBe(false);
      expect(Buffer.compare(await readFile(output), expected)).toBe(0);
    }
    const exact = join(directory, 'out', 'exact.safetensors');
    const result = await writeReservedSafetensors(exact, stream(PARAMS), { reservation: split(expected).headerSize });
    expect(result.fitted).toBe(true);
    expect(Buffer.compare(await readFile(exact), expected)).toBe(0);
  });

  test('moves data larger than one chunk in the fallback', async () => {
    const big = dense('big', {
      dtype: 'uint8',
      shape: [9 * 1024 * 1024 + 3],
      data: new Uint8Array(9 * 1024 * 1024 + 3).map((_, i) => i * 7),
    });
    const params = [PARAMS[0]!, big, PARAMS[1]!];
    const output = join(directory, 'out', 'big.safetensors');
    expect((await writeReservedSafetensors(output, stream(params), { reservation: 0 })).fitted).toBe(false);
    expect(Buffer.compare(await readFile(output), await reference(params))).toBe(0);
  });

  test('leaves nothing behind when the stream fails, the plan fails, or the output exists', async () => {
    const out = join(directory, 'out');
    async function* failing(): AsyncGenerator<Param> {
      yield PARAMS[0]!;
      throw new Error('disk on fire, say');
    }
    await expect(writeReservedSafetensors(join(out, 'a.safetensors'), failing(), { reservation: 64 })).rejects.toThrow(
      'disk on fire'
    );
    const twice = stream([PARAMS[0]!, PARAMS[0]!]);
    await expect(writeReservedSafetensors(join(out, 'b.safetensors'), twice, { reservation: 0 })).rejects.toMatchObject(
      { code: 'invalid-argument' }
    );
    expect(await readdir(out)).toEqual([]);
    await writeReservedSafetensors(join(out, 'c.safetensors'), stream(PARAMS), { reservation: 64 });
    await expect(
      writeReservedSafetensors(join(out, 'c.safetensors'), stream(PARAMS), { reservation: 64 })
    ).rejects.toMatchObject({ code: 'invalid-argument' });
    await writeReservedSafetensors(join(out, 'c.safetensors'), stream(PARAMS.slice(1)), {
      reservation: 64,
      force: true,
    });
    expect([...(await readSafetensorsFile(join(out, 'c.safetensors'))).params.keys()]).toEqual(['0', 'empty', 'half']);
    expect(await readdir(out)).toEqual(['c.safetensors']);
  });
});

describe('transformSafetensorsFile in one pass', () => {
  const dtypes = ['float32', 'float16', 'int8', 'uint8', 'int32'] as const;
  const arrays = { float32: Float32Array, float16: Uint16Array, int8: Int8Array, uint8: Uint8Array, int32: Int32Array };
  const paramSpec = fc.record({
    dtype: fc.constantFrom(...dtypes),
    shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
    seed: fc.integer({ min: 1, max: 1000 }),
    transform: fc.integer({ min: 0, max: TRANSFORMS.length - 1 }),
  });
  const specs = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9._]{0,12}$/), paramSpec), {
    minLength: 1,
    maxLength: 6,
    selector: ([name]) => name,
  });

  test('matches the spill writer over random params and transforms, reading back the same tensors', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(specs, fc.boolean(), async (list, withMetadata) => {
        const input = join(directory, 'in', `model-${run}.safetensors`);
        const output = join(directory, 'out', `model-${run++}.safetensors`);
        const params = list.map(([name, { dtype, shape, seed }]) => {
          const size = shape.reduce((a, b) => a * b, 1);
          const data = new arrays[dtype](size).map((_, i) =>
            dtype === 'float32'
              ? (((i * seed) % 17) - 8) / 4
              : dtype === 'float16'
              ? 0x3c00 + ((i * seed) % 64)
              : (i * seed) % 100
          );
          return dense(name, { dtype, shape, data } as HostTensor);
        });
        const metadata: Record<string, string> = withMetadata ? { format: 'pt', note: 'ü'.repeat(40) } : {};
        await writeSafetensorsFile(input, params, { metadata });
        const transform = (param: Param): Param =>
          TRANSFORMS[list.find(([name]) => name === param.name)![1].transform]!(param);
        await transformSafetensorsFile(input, output, transform);
        const expected = await reference(
          [...(await readSafetensorsFile(input)).params.values()].map(transform),
          metadata
        );
        const written = new Uint8Array(await readFile(output));
        expectSameButPadding(written, expected);
        if (list.every(([, spec]) => TRANSFORMS[spec.transform] !== lengthen)) {
          // The estimate held, so the data was written once, after the reserved room.
          const file = await openSafetensorsFile(input);
          await file.close();
          expect(split(written).headerSize).toBe(estimateHeaderReservation(file.header, metadata));
        }
        const model = await readSafetensorsFile(output);
        expect(model.params.size).toBe(params.length);
      }),
      { numRuns: 15 }
    );
    expect((await readdir(join(directory, 'out'))).every((name) => !name.endsWith('.tmp'))).toBe(true);
  });

  test('a rename past the reservation still writes a correct file', async () => {
    const input = join(directory, 'in', 'model.safetensors');
    const output = join(directory, 'out', 'long.safetensors');
    await writeSafetensorsFile(input, PARAMS);
    await transformSafetensorsFile(input, output, lengthen);
    expect(Buffer.compare(await readFile(output), await reference(PARAMS.map(lengthen)))).toBe(0);
    expect(await readdir(join(directory, 'out'))).toEqual(['long.safetensors']);
  });
});

describe('estimateHeaderReservation', () => {
  /** The budget written plainly: each entry's JSON text made and measured, every param's info read. */
  function plainEstimate(file: Awaited<ReturnType<typeof openSafetensorsFile>>, metadata: Record<string, string>): number {
    let bytes = 4096 + 2 * Buffer.byteLength(JSON.stringify(metadata));
    for (const tensor of file.header.tensors.values()) {
      const entry = JSON.stringify({ dtype: tensor.dtype, shape: tensor.shape, data_offsets: tensor.dataOffsets });
      bytes += 2 * Buffer.byteLength(`${JSON.stringify(tensor.name)}:${entry},`);
    }
    for (const param of file.header.params.values()) {
      bytes += 1024 + (param.encoding === undefined ? 0 : 2 * Buffer.byteLength(JSON.stringify(JSON.stringify(param.encoding))));
    }
    return Math.min(Math.ceil(bytes / 8) * 8, 100_000_000);
  }

  test('is the budget of the entries as written, whatever the names and encodings', async () => {
    const name = fc
      .oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.constantFrom('a"b', 'back\\slash', 'new\nline', 'ü', '€', '🙂', '\u007f', '0'))
      .filter((text) => isWellFormedName(text) && text !== '__metadata__' && !text.includes('#'));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), fc.boolean(), async (names, quantized) => {
        const input = join(directory, 'in', `estimate.safetensors`);
        const params = names.map((each, index) =>
          dense(each, { dtype: 'float32', shape: [index + 1, 2], data: new Float32Array(2 * (index + 1)).map((_, at) => at - index) }),
        );
        const metadata = { format: 'pt', note: 'é"' };
        await writeSafetensorsFile(input, quantized ? params.map(quantize) : params, { metadata, force: true });
        const file = await openSafetensorsFile(input);
        await file.close();
        expect(estimateHeaderReservation(file.header, metadata)).toBe(plainEstimate(file, metadata));
      }),
      { numRuns: 25 },
    );
  });
});
