import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { affineFromCodes } from '../../encoding/affine.ts';
import { codebookFromIndices } from '../../encoding/codebook.ts';
import { sparseFromDense } from '../../encoding/sparse-from-dense.ts';
import { WhittleError } from '../../errors.ts';
import type { Param } from '../../model/types.ts';
import type { HostTensor } from '../../tensor/host-tensor.ts';
import { mutationArbitrary } from '../../testing/malformed.ts';
import { bytesSource, memorySink, type ByteSource } from '../byte-source.ts';
import { readSafetensorsHeader } from './header.ts';
import { readSafetensorsModel } from './read-params.ts';
import { readSafetensorsTensor } from './read-tensor.ts';
import { writeSafetensors } from './write.ts';

const FILE = 'fuzzed.safetensors';

const dense = (name: string, tensor: HostTensor): Param => ({
  name,
  role: 'other',
  shape: tensor.shape,
  value: { kind: 'dense', tensor },
});

const values = new Float32Array([0, 0, 1.5, 0, -2, 0, 0, 0.25]);
const PARAMS: Param[] = [
  dense('fc.weight', { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }),
  dense('0', { dtype: 'int8', shape: [5], data: new Int8Array([1, -2, 3, -4, 5]) }),
  dense('half', { dtype: 'bfloat16', shape: [2], data: new Uint16Array([0x3f80, 0xc000]) }),
  {
    name: 'q.weight',
    role: 'other',
    shape: [2, 4],
    value: affineFromCodes({
      shape: [2, 4],
      bits: 4,
      signed: false,
      granularity: { kind: 'axis', axis: 0 },
      codes: [0, 1, 2, 3, 15, 14, 13, 12],
      scales: { dtype: 'float16', shape: [2], data: new Uint16Array([0x3c00, 0x3800]) },
      zeroPoints: { dtype: 'uint8', shape: [2], data: new Uint8Array([8, 7]) },
    }),
  },
  {
    name: 's.weight',
    role: 'other',
    shape: [2, 4],
    value: sparseFromDense(
      { dtype: 'float32', shape: [2, 4], data: values },
      { kind: 'csr', indexBits: 2 },
      (nonzeros) =>
        codebookFromIndices({
          shape: nonzeros.shape,
          bits: 2,
          centroids: { dtype: 'float32', shape: [3], data: new Float32Array([-2, 0.25, 1.5]) },
          indices: Array.from(nonzeros.data as Float32Array, (value) => (value === -2 ? 0 : value === 1.5 ? 2 : 1)),
        })
    ),
  },
  {
    name: 'r.weight',
    role: 'other',
    shape: [2, 4],
    value: sparseFromDense({ dtype: 'float32', shape: [2, 4], data: values }, { kind: 'relative', indexBits: 1 }),
  },
];

const valid = await (async () => {
  const sink = memorySink();
  await writeSafetensors(sink, PARAMS, { metadata: { format: 'pt' } });
  return sink.bytes();
})();
const headerSize = Number(new DataView(valid.buffer).getBigUint64(0, true));
const headerText = new TextDecoder().decode(valid.subarray(8, 8 + headerSize)).trimEnd();
const header = JSON.parse(headerText) as Record<string, Record<string, unknown>>;
const data = valid.subarray(8 + headerSize);
const tensorNames = Object.keys(header).filter((key) => key !== '__metadata__');
const encodingKeys = Object.keys(header.__metadata__!).filter((key) => key.startsWith('whittle:'));

function rebuild(text: string, body: Uint8Array = data): Uint8Array {
  const json = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + json.length + body.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(body, 8 + json.length);
  return bytes;
}

const withEntry = (name: string, field: string, value: unknown) =>
  rebuild(JSON.stringify({ ...header, [name]: { ...header[name], [field]: value } }));

const bigNumbers = fc.oneof(
  fc.integer({ min: -3, max: data.length + 8 }),
  fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, 1e308, -0, 0.5, Number.MAX_SAFE_INTEGER)
);

const mutatedFiles: fc.Arbitrary<Uint8Array> = fc.oneof(
  // Flipped bytes anywhere: size, header text (possibly breaking UTF-8), data.
  fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([index, mask]) => {
    const bytes = valid.slice();
    bytes[index] = bytes[index]! ^ mask;
    return bytes;
  }),
  fc.nat(valid.length - 1).map((length) => valid.slice(0, length)),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((extra) => new Uint8Array([...valid, ...extra])),
  // A lying header size.
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((size) => {
    const bytes = valid.slice();
    new DataView(bytes.buffer).setBigUint64(0, size, true);
    return bytes;
  }),
  fc.integer({ min: -16, max: 16 }).map((delta) => {
    const bytes = valid.slice();
    new DataView(bytes.buffer).setBigUint64(0, BigInt(Math.max(0, headerSize + delta)), true);
    return bytes;
  }),
  // The header JSON with a field replaced by a wrong type, deleted, or nudged.
  mutationArbitrary(header).map((mutated) => rebuild(JSON.stringify(mutated) ?? 'null')),
  // Overlapping or out-of-range offsets, huge shapes, unknown dtypes.
  fc
    .tuple(fc.constantFrom(...tensorNames), bigNumbers, bigNumbers)
    .map(([name, begin, end]) => withEntry(name, 'data_offsets', [begin, end])),
  fc
    .tuple(fc.constantFrom(...tensorNames), fc.array(bigNumbers, { maxLength: 4 }))
    .map(([name, shape]) => withEntry(name, 'shape', shape)),
  fc
    .tuple(fc.constantFrom(...tensorNames), fc.constantFrom('I64', 'F8_E4M3', 'F4', 'U32', 'F128', '', 'f32'))
    .map(([name, dtype]) => withEntry(name, 'dtype', dtype)),
  // A duplicate key: a tensor or the metadata map again.
  fc
    .constantFrom('__metadata__', ...tensorNames)
    .map((name) => rebuild(`${headerText.slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(header[name])}}`)),
  // whittle's encoding metadata with a field replaced, deleted, or nudged.
  fc
    .constantFrom(...encodingKeys)
    .chain((key) =>
      mutationArbitrary(JSON.parse(header.__metadata__![key] as string)).map((mutated) =>
        rebuild(
          JSON.stringify({ ...header, __metadata__: { ...header.__metadata__, [key]: JSON.stringify(mutated) ?? '' } })
        )
      )
    ),
  // Random text spliced into the header.
  fc
    .tuple(fc.nat(headerText.length), fc.nat(8), fc.string({ maxLength: 8 }))
    .map(([at, cut, text]) => rebuild(headerText.slice(0, at) + text + headerText.slice(at + cut)))
);

/** A source that fails the test if asked for more than the file holds. */
function guardedSource(bytes: Uint8Array): ByteSource {
  const inner = bytesSource(bytes, FILE);
  return {
    name: FILE,
    size: inner.size,
    read(offset, length) {
      if (length > bytes.length) throw new Error(`asked for ${length} bytes of a ${bytes.length}-byte file`);
      return inner.read(offset, length);
    },
  };
}

async function readEverything(bytes: Uint8Array): Promise<void> {
  const source = guardedSource(bytes);
  const parsed = await readSafetensorsHeader(source);
  for (const name of parsed.tensors.keys()) {
    await readSafetensorsTensor(source, parsed, name).catch((error: unknown) => expectFileError(error));
  }
  await readSafetensorsModel(source);
}

function expectFileError(error: unknown): void {
  if (!(error instanceof WhittleError)) throw error;
  expect(error.code).toBe('malformed-file');
  expect(error.file).toBe(FILE);
}

describe('fuzzing the safetensors reader', () => {
  test('the unmutated file reads', async () => {
    await readEverything(valid);
    expect(encodingKeys).toEqual(['whittle:q.weight', 'whittle:s.weight', 'whittle:r.weight']);
  });

  test('a mutated file reads or fails with a malformed-file error naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedFiles, async (bytes) => {
        await readEverything(bytes).catch(expectFileError);
      }),
      { numRuns: 3000 }
    );
  });
});
