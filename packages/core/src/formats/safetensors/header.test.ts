import { describe, expect, test } from 'vitest';
import { WhittleError } from '../../errors.ts';
import { bytesSource, type ByteSource } from '../byte-source.ts';
import { MAX_SAFETENSORS_HEADER_SIZE, readSafetensorsHeader } from './header.ts';
import { readSafetensorsParam } from './read-params.ts';
import { readSafetensorsTensor } from './read-tensor.ts';

const FILE = 'model.safetensors';

/** A file as any writer lays it out: u64 LE header size, the header text, the data. */
function fileOf(header: string, data: ArrayLike<number> = [], declaredSize?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, declaredSize ?? BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

const entry = (dtype: string, shape: unknown, offsets: unknown) =>
  JSON.stringify({ dtype, shape, data_offsets: offsets });

async function headerError(bytes: Uint8Array): Promise<WhittleError> {
  const error: unknown = await readSafetensorsHeader(bytesSource(bytes, FILE)).then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(WhittleError);
  expect(error).toMatchObject({ code: 'malformed-file', file: FILE });
  return error as WhittleError;
}

describe('readSafetensorsHeader on files other writers made', () => {
  test('reads the Rust reference test file byte for byte', async () => {
    // From huggingface/safetensors' own tests: one I32 [2, 2] tensor of zeros.
    const serialized = new TextEncoder().encode(
      '<\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}' + '\x00'.repeat(16)
    );
    const source = bytesSource(serialized, FILE);
    const header = await readSafetensorsHeader(source);
    expect(header).toMatchObject({ headerSize: 60, dataOffset: 68, metadata: {} });
    const tensor = await readSafetensorsTensor(source, header, 'test');
    expect(tensor).toEqual({ dtype: 'int32', shape: [2, 2], data: new Int32Array(4) });
  });

  test('reads a hand-made file as the Python library writes it: widest dtype first, padded, with metadata', async () => {
    const header =
      '{"__metadata__":{"format":"pt"},' +
      '"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
      '"a.weight":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},' +
      '"h":{"dtype":"F16","shape":[],"data_offsets":[12,14]},' +
      '"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[14,17]},' +
      '"empty":{"dtype":"U8","shape":[0,4],"data_offsets":[17,17]}}';
    const padded = header + ' '.repeat((8 - ((8 + header.length) % 8)) % 8);
    const data = [
      ...[0, 0, 0, 0, 0, 0, 0xf0, 0x3f], // F64 1.0
      ...[0x80, 0x3f, 0x00, 0xc0], // BF16 1.0, -2.0
      ...[0x00, 0x3c], // F16 1.0
      ...[1, 0, 1],
    ];
    const source = bytesSource(fileOf(padded, data), FILE);
    const parsed = await readSafetensorsHeader(source);
    expect(parsed.dataOffset % 8).toBe(0);
    expect([...parsed.tensors.keys()]).toEqual(['b', 'a.weight', 'h', 'mask', 'empty']);
    expect(parsed.metadata).toEqual({ format: 'pt' });
    expect(await readSafetensorsTensor(source, parsed, 'b')).toEqual({
      dtype: 'float64',
      shape: [1],
      data: new Float64Array([1]),
    });
    expect(await readSafetensorsTensor(source, parsed, 'a.weight')).toEqual({
      dtype: 'bfloat16',
      shape: [2],
      data: new Uint16Array([0x3f80, 0xc000]),
    });
    expect((await readSafetensorsTensor(source, parsed, 'h')).data).toEqual(new Uint16Array([0x3c00]));
    expect((await readSafetensorsTensor(source, parsed, 'mask')).data).toEqual(new Uint8Array([1, 0, 1]));
    expect((await readSafetensorsTensor(source, parsed, 'empty')).shape).toEqual([0, 4]);
    expect((await readSafetensorsParam(source, parsed, 'a.weight')).role).toBe('other');
  });

  test('orders tensors by data offset, integer-like names included, and allows gaps and trailing bytes', async () => {
    const header = `{"1":${entry('U8', [1], [2, 3])},"0":${entry('U8', [1], [0, 1])}}`;
    const source = bytesSource(fileOf(header, [7, 99, 8, 99]), FILE);
    const parsed = await readSafetensorsHeader(source);
    expect([...parsed.params.keys()]).toEqual(['0', '1']);
    expect((await readSafetensorsTensor(source, parsed, '1')).data).toEqual(new Uint8Array([8]));
  });

  test('knows dtypes whittle cannot hold, and says so when one is read', async () => {
    const source = bytesSource(fileOf(`{"steps":${entry('I64', [], [0, 8])}}`, new Uint8Array(8)), FILE);
    const header = await readSafetensorsHeader(source);
    expect(header.tensors.get('steps')?.dtype).toBe('I64');
    await expect(readSafetensorsTensor(source, header, 'steps')).rejects.toMatchObject({
      code: 'malformed-file',
      file: FILE,
      field: 'header["steps"].dtype',
    });
    await expect(readSafetensorsTensor(source, header, 'other')).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});

describe('readSafetensorsHeader rejects malformed files, naming file and field', () => {
  const w = (dtype: string, shape: unknown, offsets: unknown) => `{"w":${entry(dtype, shape, offsets)}}`;
  const cases: [string, Uint8Array, string][] = [
    ['a file shorter than 8 bytes', new Uint8Array(5), 'headerSize'],
    ['a header size past the end of the file', fileOf('{}', [], 100n), 'headerSize'],
    ['a header size over 100 MB', fileOf('{}', [], BigInt(MAX_SAFETENSORS_HEADER_SIZE) + 1n), 'headerSize'],
    ['a header size of 2^64 - 1', fileOf('{}', [], 2n ** 64n - 1n), 'headerSize'],
    ['a header that is not UTF-8', fileOf('{"\xff":1}').map((byte) => (byte === 0xc3 ? 0xff : byte)), 'header'],
    ['a byte-order mark', fileOf('\ufeff{}'), 'header'],
    ['a header that is not JSON', fileOf('{"w": '), 'header'],
    ['a header that is not an object', fileOf('[]'), 'header'],
    ['a tensor entry that is not an object', fileOf('{"w": 3}'), 'header["w"]'],
    ['an empty tensor name', fileOf(`{"":${entry('U8', [0], [0, 0])}}`), 'header[""]'],
    ['an unknown dtype', fileOf(w('F128', [1], [0, 16]), new Uint8Array(16)), 'header["w"].dtype'],
    ['a negative dimension', fileOf(w('U8', [-1], [0, 0])), 'header["w"].shape'],
    ['a fractional dimension', fileOf(w('U8', [1.5], [0, 1]), [0]), 'header["w"].shape'],
    ['a shape that is not an array', fileOf(w('U8', '2', [0, 2]), [0, 0]), 'header["w"].shape'],
    ['a shape product that overflows', fileOf(w('U8', [2 ** 20, 2 ** 20, 2 ** 20], [0, 1]), [0]), 'header["w"].shape'],
    ['F4 elements that do not fill bytes', fileOf(w('F4', [3], [0, 2]), [0, 0]), 'header["w"].shape'],
    ['data_offsets of one number', fileOf(w('U8', [1], [0]), [0]), 'header["w"].data_offsets'],
    ['data_offsets that are strings', fileOf(w('U8', [1], ['0', '1']), [0]), 'header["w"].data_offsets'],
    ['fractional data_offsets', fileOf(w('U8', [1], [0.5, 1.5]), [0, 0]), 'header["w"].data_offsets'],
    ['data_offsets over 2^53', fileOf(w('U8', [1], [2 ** 64, 2 ** 64 + 1]), [0]), 'header["w"].data_offsets'],
    ['begin after end', fileOf(w('U8', [0], [1, 0]), [0]), 'header["w"].data_offsets'],
    ['an end past the data', fileOf(w('U8', [4], [0, 4]), [0, 0]), 'header["w"].data_offsets'],
    [
      'a byte length that does not match the shape',
      fileOf(w('F32', [2], [0, 4]), [0, 0, 0, 0]),
      'header["w"].data_offsets',
    ],
    [
      'overlapping tensors',
      fileOf(`{"a":${entry('U8', [8], [0, 8])},"b":${entry('U8', [8], [4, 12])}}`, new Uint8Array(12)),
      'header["b"].data_offsets',
    ],
    [
      'overlapping tensors listed out of file order',
      fileOf(`{"b":${entry('U8', [8], [4, 12])},"c":${entry('U8', [0], [2, 2])},"a":${entry('U8', [8], [0, 8])}}`, new Uint8Array(12)),
      'header["b"].data_offsets',
    ],
    [
      'a duplicate tensor name far from its first use',
      fileOf(
        `{${Array.from({ length: 3000 }, (_, index) => `"t${index}":${entry('U8', [1], [index, index + 1])}`).join(',')},"t7":${entry('U8', [0], [0, 0])}}`,
        new Uint8Array(3000),
      ),
      'header',
    ],
    [
      'a duplicate tensor name',
      fileOf(`{"w":${entry('U8', [1], [0, 1])},"w":${entry('U8', [1], [1, 2])}}`, [0, 0]),
      'header',
    ],
    [
      'a duplicate name spelled with an escape',
      fileOf(`{"w":${entry('U8', [0], [0, 0])},"\\u0077":${entry('U8', [0], [0, 0])}}`),
      'header',
    ],
    [
      'a duplicate field of an entry',
      fileOf('{"w":{"dtype":"U8","dtype":"F32","shape":[0],"data_offsets":[0,0]}}'),
      'header["w"]',
    ],
    ['__metadata__ that is an array', fileOf('{"__metadata__":[]}'), 'header["__metadata__"]'],
    [
      'a metadata value that is not a string',
      fileOf('{"__metadata__":{"epoch":3}}'),
      'header["__metadata__"]["epoch"]',
    ],
    ['a duplicate metadata key', fileOf('{"__metadata__":{"a":"1","a":"2"}}'), 'header["__metadata__"]'],
    ['two __metadata__ maps', fileOf('{"__metadata__":{},"__metadata__":{}}'), 'header'],
  ];
  test.each(cases)('%s', async (_, bytes, field) => {
    expect((await headerError(bytes)).field).toBe(field);
  });

  // Otherwise plain headers, which the fast path reads to the end: a bad byte in any string must
  // still be found, and called what it is.
  const withBytes = (text: string, change: (byte: number) => number[]): Uint8Array => {
    const json = [...new TextEncoder().encode(text)].flatMap(change);
    return fileOf('', [...json, 0]).map((byte, index) => (index === 0 ? json.length : byte));
  };
  test.each([
    ['a tensor name with a byte that is never UTF-8', withBytes(`{"w\xff":${entry('U8', [1], [0, 1])}}`, (byte) => [byte === 0xc3 ? 0xff : byte])],
    ['a tensor name cut mid-character', withBytes(`{"w\xe9":${entry('U8', [1], [0, 1])}}`, (byte) => [byte === 0xa9 ? 0x41 : byte])],
    ['a metadata value with a byte that is never UTF-8', withBytes(`{"__metadata__":{"k":"\xff"},"w":${entry('U8', [1], [0, 1])}}`, (byte) => [byte === 0xc3 ? 0xff : byte])],
    ['a tensor name of a surrogate encoded on its own', withBytes(`{"w?":${entry('U8', [1], [0, 1])}}`, (byte) => (byte === 0x3f ? [0xed, 0xa0, 0x80] : [byte]))],
  ])('a plain header with %s is not UTF-8', async (_, bytes) => {
    const error = await headerError(bytes);
    expect(error.field).toBe('header');
    expect(error.detail).toMatch(/not valid UTF-8/);
  });

  test('never reads (or allocates) what a lying header size claims', async () => {
    const reads: number[] = [];
    const bytes = fileOf('{}', [], 90_000_000n);
    const hugeFile: ByteSource = {
      name: FILE,
      size: 2 ** 40,
      read: async (offset, length) => {
        reads.push(length);
        if (offset + length > bytes.length) throw new Error(`read ${length} bytes the test never expected`);
        return bytes.subarray(offset, offset + length);
      },
    };
    // The size claim fits this source, so the only guard left is the source itself: it refuses.
    await expect(readSafetensorsHeader(hugeFile)).rejects.toThrow('never expected');
    expect(reads).toEqual([8, 90_000_000]);
    const small: ByteSource = { ...hugeFile, size: bytes.length };
    reads.length = 0;
    await expect(readSafetensorsHeader(small)).rejects.toMatchObject({ code: 'malformed-file', field: 'headerSize' });
    expect(reads).toEqual([8]);
  });
});

describe('whittle encoding entries in __metadata__', () => {
  const codes = entry('U8', [2], [0, 2]);
  const scales = entry('F32', [], [2, 6]);
  const affine = (override: Record<string, unknown> = {}) =>
    JSON.stringify({
      kind: 'affine',
      shape: [4],
      bits: 4,
      signed: false,
      granularity: { kind: 'tensor' },
      codes: { buffer: 'codes', dtype: 'uint8', shape: [2] },
      scales: { buffer: 'scales', dtype: 'float32', shape: [] },
      ...override,
    });
  const withEncoding = (encoding: string, extra = '') =>
    fileOf(
      `{"__metadata__":{"whittle:w":${JSON.stringify(encoding)}},"w#codes":${codes},"w#scales":${scales}${extra}}`,
      [0x21, 0x43, 0, 0, 0x80, 0x3f]
    );
  const field = (rest = '') => `header["__metadata__"]["whittle:w"]${rest}`;

  test('groups component tensors into one param and reassembles the encoding', async () => {
    const source = bytesSource(withEncoding(affine()), FILE);
    const header = await readSafetensorsHeader(source);
    expect([...header.params.keys()]).toEqual(['w']);
    expect(header.params.get('w')).toMatchObject({ shape: [4], tensors: ['w#codes', 'w#scales'], byteLength: 6 });
    const param = await readSafetensorsParam(source, header, 'w');
    expect(param.value).toMatchObject({ kind: 'affine', bits: 4, codes: new Uint8Array([0x21, 0x43]) });
  });

  const cases: [string, Uint8Array, string][] = [
    ['encoding metadata that is not JSON', withEncoding('{"kind":'), field()],
    ['encoding metadata with a duplicate key', withEncoding('{"kind":"affine","kind":"dense"}'), field()],
    ['encoding metadata that is not an object', withEncoding('[1]'), field()],
    ['a missing kind', withEncoding(affine({ kind: 7 })), field('.kind')],
    [
      'a reference to a missing tensor',
      withEncoding(affine({ zeroPoints: { buffer: 'zeroPoints', dtype: 'uint8', shape: [2] } })),
      field('.zeroPoints'),
    ],
    [
      'a buffer named other than its component',
      withEncoding(affine({ codes: { buffer: 'nope', dtype: 'uint8', shape: [2] } })),
      field('.codes.buffer'),
    ],
    [
      'a reference with the wrong dtype',
      withEncoding(affine({ codes: { buffer: 'codes', dtype: 'int8', shape: [2] } })),
      field('.codes.dtype'),
    ],
    [
      'a reference with the wrong shape',
      withEncoding(affine({ codes: { buffer: 'codes', dtype: 'uint8', shape: [1] } })),
      field('.codes.shape'),
    ],
    [
      'a tensor referenced twice',
      withEncoding(affine({ zeroPoints: { buffer: 'codes', dtype: 'uint8', shape: [2] } })),
      field('.zeroPoints.buffer'),
    ],
    ['a buffer name that is not a string', withEncoding(affine({ codes: { buffer: 3 } })), field('.codes.buffer')],
    ['no references at all', withEncoding('{"kind":"dense","shape":[]}'), field()],
    ['a bad shape', withEncoding(affine({ shape: [-4] })), field('.shape')],
    ['a name shared with a plain tensor', withEncoding(affine(), `,"w":${entry('U8', [0], [6, 6])}`), field()],
  ];
  test.each(cases)('rejects %s', async (_, bytes, expected) => {
    expect((await headerError(bytes)).field).toBe(expected);
  });

  test('rejects an encoding that assembleEncoding refuses when the param is read', async () => {
    const source = bytesSource(withEncoding(affine({ bits: 8 })), FILE);
    const header = await readSafetensorsHeader(source);
    await expect(readSafetensorsParam(source, header, 'w')).rejects.toMatchObject({
      code: 'malformed-file',
      file: FILE,
      field: field('.codes'),
    });
  });
});
