/**
 * Hostile headers and data: every one is either read correctly or refused with a typed,
 * one-line, bounded error naming the file and the field (the tensor, the metadata entry).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../../errors.ts';
import { bytesSource } from '../byte-source.ts';
import { readSafetensorsHeader } from './header.ts';
import { readSafetensorsModel, readSafetensorsParam } from './read-params.ts';

const FILE = 'hostile.safetensors';

function fileOf(header: string, data: ArrayLike<number> = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

async function readError(bytes: Uint8Array): Promise<WhittleError> {
  try {
    await readSafetensorsModel(bytesSource(bytes, FILE));
  } catch (error) {
    expect(error).toBeInstanceOf(WhittleError);
    return error as WhittleError;
  }
  return expect.unreachable('the file should be refused');
}

function expectOneShortLine(error: WhittleError, field: string): void {
  expect(error.file).toBe(FILE);
  expect(error.message.startsWith(`${FILE}: ${field}`)).toBe(true);
  expect(error.message).not.toMatch(/[\n\r\u001b]/);
  expect(error.message.length).toBeLessThan(1100);
}

describe('shapes', () => {
  test('an empty tensor with a giant but bounded dimension is read as what it is', async () => {
    const model = await readSafetensorsModel(
      bytesSource(fileOf(JSON.stringify({ w: { dtype: 'F32', shape: [0, 2 ** 26], data_offsets: [0, 0] } })), FILE),
    );
    expect(model.params.get('w')?.shape).toEqual([0, 2 ** 26]);
  });

  test.each([
    ['[0, 2^53 - 1]', [0, 2 ** 53 - 1]],
    ['[0, 2^32, 2]', [0, 2 ** 32, 2]],
    ['a million dimensions', new Array(1_000_000).fill(1)],
  ])('%s is refused naming the file and the tensor, in one short line', async (_, shape) => {
    const error = await readError(fileOf(JSON.stringify({ w: { dtype: 'F32', shape, data_offsets: [0, 4] } }), [0, 0, 0, 0]));
    expect(error.code).toBe('malformed-file');
    expectOneShortLine(error, 'header["w"].shape');
  });

  test('any shape is read or refused by a typed line naming the tensor', async () => {
    const dimension = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(2 ** 26, 2 ** 32, 2 ** 53 - 1, -1, 1.5));
    await fc.assert(
      fc.asyncProperty(fc.array(dimension, { maxLength: 80 }), async (shape) => {
        const size = shape.reduce((product, value) => product * value, 1);
        const bytes = Number.isSafeInteger(size) && size >= 0 && size <= 16 ? size * 4 : 4;
        const file = fileOf(JSON.stringify({ w: { dtype: 'F32', shape, data_offsets: [0, bytes] } }), new Uint8Array(bytes));
        try {
          const model = await readSafetensorsModel(bytesSource(file, FILE));
          expect(model.params.get('w')?.shape).toEqual(shape);
        } catch (error) {
          expect(error).toBeInstanceOf(WhittleError);
          expectOneShortLine(error as WhittleError, 'header["w"]');
        }
      }),
    );
  });
});

describe('data and names', () => {
  test('a BOOL byte other than 0 or 1 is refused naming the file and the tensor', async () => {
    const error = await readError(fileOf(JSON.stringify({ mask: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }), [1, 7]));
    expect(error.code).toBe('malformed-file');
    expectOneShortLine(error, 'header["mask"]');
    expect(error.message).toContain('got 7');
  });

  test('a tensor name with a lone surrogate is refused naming the file and the tensor', async () => {
    const error = await readError(fileOf('{"a\\ud800b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0]));
    expect(error.code).toBe('malformed-file');
    expectOneShortLine(error, 'header["a\\ud800b"]');
  });

  test('control characters and huge names never reach the message raw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 3000 }), async (name) => {
        // An entry that is refused (its offsets are wrong), so the message names the tensor.
        const file = fileOf(JSON.stringify({ [name]: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }), [0, 0, 0, 0]);
        try {
          await readSafetensorsHeader(bytesSource(file, FILE));
        } catch (error) {
          expect(error).toBeInstanceOf(WhittleError);
          const { message } = error as WhittleError;
          expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
          expect(message.length).toBeLessThan(1100);
          return;
        }
        expect.unreachable('8 bytes of F32 [2] cannot span 4');
      }),
      { numRuns: 60 },
    );
  });
});

describe('whittle metadata', () => {
  const codes = JSON.stringify({ dtype: 'U8', shape: [2], data_offsets: [4, 6] });
  const scales = JSON.stringify({ dtype: 'F32', shape: [], data_offsets: [0, 4] });
  const encoding = (codesBuffer: string) =>
    JSON.stringify({
      kind: 'affine',
      shape: [4],
      bits: 4,
      signed: false,
      granularity: { kind: 'tensor' },
      codes: { buffer: codesBuffer, dtype: 'uint8', shape: [2] },
      scales: { buffer: 'scales', dtype: 'float32', shape: [] },
    });
  const fileWith = (codesBuffer: string) =>
    fileOf(
      `{"__metadata__":{"whittle:w":${JSON.stringify(encoding(codesBuffer))}},"w#${codesBuffer}":${codes},"w#scales":${scales}}`,
      [0, 0, 0x80, 0x3f, 0x21, 0x43],
    );

  test('the standard buffer names read back', async () => {
    const source = bytesSource(fileWith('codes'), FILE);
    const param = await readSafetensorsParam(source, await readSafetensorsHeader(source), 'w');
    expect(param.value.kind).toBe('affine');
  });

  test('a buffer named other than its component is refused naming the file, the param and the field', async () => {
    const error = await readError(fileWith('other'));
    expect(error.code).toBe('malformed-file');
    expectOneShortLine(error, 'header["__metadata__"]["whittle:w"].codes.buffer');
  });
});
