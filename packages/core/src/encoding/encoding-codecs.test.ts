import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { shapesEqual } from '../tensor/shape.ts';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { tensorBits } from '../testing/bits.ts';
import { mutationArbitrary } from '../testing/malformed.ts';
import { affineFromCodes } from './affine.ts';
import { fieldText, fieldsOf } from './describe-fields.ts';
import type { EncodingCodec } from './encoding-codec.ts';
import { ENCODING_CODECS, ENCODING_KINDS, builtInEncodings } from './encoding-codecs.ts';
import { encodingOperations } from './encoding-operations.ts';
import { child, fail, readShape, readTensor } from './field-checks.ts';
import type { Encoding, EncodingKind } from './types.ts';
import { validateEncoding } from './validate.ts';

/**
 * A kind that is not built in, written only here: a tensor whose every element is one float32
 * `value`. If the table design holds, this module plus one table row is all a kind needs.
 */
interface ConstantEncoding {
  readonly kind: 'constant';
  readonly shape: readonly number[];
  readonly value: HostTensor<'float32'>;
}

const constantCodec: EncodingCodec<ConstantEncoding, unknown> = {
  kind: 'constant',
  shape: (encoding) => encoding.shape,
  byteLength: (encoding) => encoding.value.data.byteLength,
  decode(encoding) {
    const size = encoding.shape.reduce((product, dimension) => product * dimension, 1);
    return { dtype: 'float32', shape: [...encoding.shape], data: new Float32Array(size).fill(encoding.value.data[0]!) };
  },
  validate(record, location) {
    const { shape } = readShape(record.shape, child(location, 'shape'));
    readTensor(record.value, ['float32'] as const, [1], child(location, 'value'));
    if (shape.length === 0) fail('a constant needs rank ≥ 1', child(location, 'shape'));
    return shape;
  },
  parts: (encoding, writer) => ({ kind: 'constant', shape: [...encoding.shape], value: writer.tensor('value', encoding.value) }),
  readParts: (record, reader) => ({ kind: 'constant', shape: record.shape, value: reader.tensor(record.value, 'value', ['float32']) }),
  describe: (fields) => `constant ${fieldText(fieldsOf(fields.value).dtype)}`,
};

const withConstant = encodingOperations({ ...ENCODING_CODECS, constant: constantCodec });

const constant = (shape: number[], value: number): Encoding =>
  ({ kind: 'constant', shape, value: { dtype: 'float32', shape: [1], data: new Float32Array([value]) } }) as unknown as Encoding;

/** JSON and the buffers by name, as a file would carry them. */
function roundTrip(operations: typeof withConstant, encoding: Encoding): Encoding {
  const { metadata, buffers } = operations.parts(encoding);
  const bytes = new Map(buffers.map((buffer) => [buffer.name, buffer.bytes.slice()]));
  return operations.assemble(JSON.parse(JSON.stringify(metadata)), bytes);
}

describe('the encoding table', () => {
  test('the kinds, the table and the Encoding union are one list', () => {
    expect(ENCODING_KINDS).toEqual(['dense', 'affine', 'codebook', 'sparse', 'lowrank', 'entropy']);
    expect(builtInEncodings.kinds).toEqual(ENCODING_KINDS);
    for (const kind of ENCODING_KINDS) expect(ENCODING_CODECS[kind].kind).toBe(kind);
    // Compile-time: the list's type is the union's kinds (the union derives from the table).
    const listed: readonly EncodingKind[] = ENCODING_KINDS;
    expect(new Set(listed).size).toBe(listed.length);
  });

  test('every kind keeps its contract: valid, parts sum to byteLength, round trip decodes bit-exactly, same words', () => {
    for (const kind of ENCODING_KINDS) {
      fc.assert(
        fc.property(encodingArbitrary({ kinds: [kind] }), (encoding) => {
          expect(encoding.kind).toBe(kind);
          expect(validateEncoding(encoding)).toBe(encoding);
          const decoded = builtInEncodings.decode(encoding);
          expect(shapesEqual(decoded.shape, builtInEncodings.shape(encoding))).toBe(true);
          expect(decoded.data.length).toBe(decoded.shape.reduce((product, dimension) => product * dimension, 1));
          const { metadata, buffers } = builtInEncodings.parts(encoding);
          expect(buffers.reduce((total, buffer) => total + buffer.bytes.byteLength, 0)).toBe(builtInEncodings.byteLength(encoding));
          expect(builtInEncodings.describe(metadata)).toBe(builtInEncodings.describe(encoding));
          expect(builtInEncodings.describe(encoding).startsWith(kind)).toBe(true);
          expect(tensorBits(builtInEncodings.decode(roundTrip(builtInEncodings, encoding)))).toEqual(tensorBits(decoded));
        }),
        { numRuns: 40 },
      );
    }
  });

  test('kinds that only look like table rows are refused, not looked up on Object.prototype', () => {
    for (const kind of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'constant']) {
      expect(() => validateEncoding({ kind, shape: [1] })).toThrow(
        expect.objectContaining({ code: 'invalid-encoding', field: 'kind', message: `kind: kind must be dense, affine, codebook, sparse, lowrank or entropy, got ${JSON.stringify(kind)}` }),
      );
      expect(builtInEncodings.describe({ kind })).toBe(`${kind} (unknown encoding)`);
    }
  });
});

describe('a kind added to the table in a test, touching no other file', () => {
  test('decodes, sizes, validates, describes and serialises', () => {
    const encoding = constant([2, 3], 1.5);
    expect(Array.from(withConstant.decode(encoding).data)).toEqual([1.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
    expect(withConstant.byteLength(encoding)).toBe(4);
    expect(withConstant.shape(encoding)).toEqual([2, 3]);
    expect(withConstant.validate(encoding)).toBe(encoding);
    expect(withConstant.describe(encoding)).toBe('constant float32');
    const { metadata, buffers } = withConstant.parts(encoding);
    expect(metadata).toEqual({ kind: 'constant', shape: [2, 3], value: { buffer: 'value', dtype: 'float32', shape: [1] } });
    expect(buffers.map((buffer) => buffer.name)).toEqual(['value']);
    expect(withConstant.describe(metadata)).toBe('constant float32');
    expect(Array.from(withConstant.decode(roundTrip(withConstant, encoding)).data)).toEqual(Array(6).fill(1.5));
  });

  test('nests inside the built-in kinds, which reach it through the same table', () => {
    // Sparse bitmask 0b1001 over [4]: entries at 0 and 3, both the constant -2.
    const sparse = {
      kind: 'sparse',
      shape: [4],
      layout: { kind: 'bitmask', mask: new Uint8Array([0b1001]) },
      values: constant([2], -2),
    } as unknown as Encoding;
    expect(withConstant.validate(sparse)).toBe(sparse);
    expect(Array.from(withConstant.decode(sparse).data)).toEqual([-2, 0, 0, -2]);
    expect(withConstant.byteLength(sparse)).toBe(1 + 4);
    expect(withConstant.describe(sparse)).toBe('sparse bitmask (constant float32)');
    expect(withConstant.parts(sparse).buffers.map((buffer) => buffer.name)).toEqual(['layout.mask', 'values.value']);
    expect(Array.from(withConstant.decode(roundTrip(withConstant, sparse)).data)).toEqual([-2, 0, 0, -2]);
    // A wrong nested shape is caught by the generic check, naming the nested field.
    const wrong = { ...sparse, values: constant([3], -2) };
    expect(() => withConstant.validate(wrong)).toThrow(expect.objectContaining({ field: 'values.shape' }));
    // The built-in table still refuses the kind, at the nested field.
    expect(() => validateEncoding(sparse)).toThrow(expect.objectContaining({ field: 'values.kind' }));
  });

  test('its own checks run, and errors list it among the kinds', () => {
    const bad = { kind: 'constant', shape: [2], value: { dtype: 'float16', shape: [1], data: new Uint16Array(1) } };
    expect(() => withConstant.validate(bad)).toThrow(expect.objectContaining({ code: 'invalid-encoding', field: 'value.dtype' }));
    expect(() => withConstant.validate({ kind: 'other' })).toThrow('kind must be dense, affine, codebook, sparse, lowrank, entropy or constant, got "other"');
    expect(() => withConstant.assemble({ kind: 'constant', shape: [2], value: { buffer: 'elsewhere', dtype: 'float32', shape: [1] } }, {})).toThrow(
      expect.objectContaining({ field: 'value.buffer' }),
    );
  });

  test('mutated metadata of a nested mix is refused with a typed error or read whole, never a raw crash', () => {
    const affine = affineFromCodes({
      shape: [2],
      bits: 4,
      signed: false,
      granularity: { kind: 'tensor' },
      codes: [1, 2],
      scales: { dtype: 'float32', shape: [], data: new Float32Array([0.5]) },
    });
    const lowrank = { kind: 'lowrank', shape: [3, 2], left: constant([3, 1], 2), right: { ...affine, shape: [1, 2] } } as unknown as Encoding;
    expect(Array.from(withConstant.decode(lowrank).data)).toEqual([1, 2, 1, 2, 1, 2]);
    const { metadata, buffers } = withConstant.parts(lowrank);
    const bytes = new Map(buffers.map((buffer) => [buffer.name, buffer.bytes]));
    fc.assert(
      fc.property(mutationArbitrary(JSON.parse(JSON.stringify(metadata))), (mutated) => {
        try {
          withConstant.decode(withConstant.assemble(mutated, bytes));
        } catch (error) {
          expect(error).toMatchObject({ name: 'WhittleError' });
        }
      }),
      { numRuns: 300 },
    );
  });
});
