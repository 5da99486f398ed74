import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import { encodingArbitrary } from '../testing/arbitraries.ts';
import { deeplyNested, mutationArbitrary } from '../testing/malformed.ts';
import { byteLength, encodingParamCount } from './byte-length.ts';
import { decode } from './decode.ts';
import { encodingParts, assembleEncoding } from './serialize.ts';
import type { Encoding } from './types.ts';
import { validateEncoding } from './validate.ts';

/** Runs `read`; it may accept, or throw a WhittleError with a message, and nothing else. */
function acceptsOrThrowsTyped(read: () => Encoding): Encoding | undefined {
  try {
    return read();
  } catch (error) {
    expect(error).toBeInstanceOf(WhittleError);
    expect((error as WhittleError).message.length).toBeGreaterThan(0);
    expect((error as WhittleError).code).toBe('invalid-encoding');
    return undefined;
  }
}

/** What is accepted must be usable: decodable (when small enough to decode) and serialisable. */
function expectUsable(encoding: Encoding | undefined): void {
  if (encoding === undefined) return;
  const parts = encodingParts(encoding);
  expect(parts.buffers.reduce((total, buffer) => total + buffer.bytes.length, 0)).toBe(byteLength(encoding));
  if (encodingParamCount(encoding) <= 1 << 16) expect(decode(encoding).data.length).toBe(encodingParamCount(encoding));
}

const partsArbitrary = encodingArbitrary({ maxDepth: 2 }).map((encoding) => {
  const { metadata, buffers } = encodingParts(encoding);
  return {
    metadata: JSON.parse(JSON.stringify(metadata)) as unknown,
    buffers: Object.fromEntries(buffers.map((b) => [b.name, b.bytes])),
  };
});

describe('validateEncoding', () => {
  test('accepts every generated encoding and returns it unchanged', () => {
    fc.assert(
      fc.property(encodingArbitrary({ maxDepth: 3 }), (encoding) => {
        expect(validateEncoding(encoding)).toBe(encoding);
      }),
      { numRuns: 200 }
    );
  });

  test('fuzz: arbitrary values throw a WhittleError', () => {
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true, withNullPrototype: true, withSparseArray: true }), (value) => {
        acceptsOrThrowsTyped(() => validateEncoding(value));
      }),
      { numRuns: 300 }
    );
  });

  test('fuzz: mutated encodings throw a WhittleError or are usable', () => {
    const mutated = encodingArbitrary({ maxDepth: 2 }).chain((encoding) => mutationArbitrary(encoding));
    fc.assert(
      fc.property(mutated, (value) => {
        expectUsable(acceptsOrThrowsTyped(() => validateEncoding(value)));
      }),
      { numRuns: 600 }
    );
  });

  test('rejects deep nesting and cycles', () => {
    expect(() => validateEncoding(deeplyNested(1000))).toThrow(
      expect.objectContaining({ message: expect.stringContaining('nest') })
    );
    const cycle: Record<string, unknown> = {
      kind: 'sparse',
      shape: [1],
      layout: { kind: 'bitmask', mask: new Uint8Array([1]) },
    };
    cycle.values = cycle;
    expect(() => validateEncoding(cycle)).toThrow(WhittleError);
  });

  test('names the field at fault', () => {
    const dense = (length: number): Encoding => ({
      kind: 'dense',
      tensor: { dtype: 'float32', shape: [length], data: new Float32Array(length) },
    });
    const affine = {
      kind: 'affine',
      shape: [2],
      signed: false,
      granularity: { kind: 'tensor' },
      codes: new Uint8Array(2),
    };
    const scales = { dtype: 'float32', shape: [], data: new Float32Array(1) };
    const cases: [unknown, string][] = [
      [{ ...affine, bits: 0, scales }, 'bits'],
      [{ ...affine, bits: 9, scales }, 'bits'],
      [{ ...affine, bits: 17, scales }, 'bits'],
      [{ ...affine, bits: Number.NaN, scales }, 'bits'],
      [{ ...affine, bits: 8, scales: { ...scales, shape: [1] } }, 'scales.shape'],
      [{ ...affine, bits: 8, scales, shape: [2.5] }, 'shape'],
      [{ ...affine, bits: 8, scales, shape: [-1] }, 'shape'],
      [{ ...affine, bits: 8, scales, shape: [2 ** 20, 2 ** 20] }, 'shape'],
      [
        {
          kind: 'sparse',
          shape: [3],
          layout: { kind: 'bitmask', mask: new Uint8Array([0b011]) },
          values: { ...affine, bits: 8, scales: { ...scales, data: new Float32Array(2) } },
        },
        'values.scales.data',
      ],
      [
        { kind: 'sparse', shape: [3], layout: { kind: 'bitmask', mask: new Uint8Array([0b111]) }, values: dense(2) },
        'values.shape',
      ],
      [
        { kind: 'sparse', shape: [3], layout: { kind: 'bitmask', mask: new Uint8Array([0b1011]) }, values: dense(3) },
        'layout.mask[0]',
      ],
      [
        {
          kind: 'sparse',
          shape: [4, 1],
          layout: { kind: 'csr', indexBits: 1, gaps: new Uint8Array(1), rowPointers: new Uint32Array([0, 1, 2, 1, 2]) },
          values: dense(2),
        },
        'layout.rowPointers[3]',
      ],
      [
        {
          kind: 'sparse',
          shape: [1, 2],
          layout: { kind: 'csr', indexBits: 1, gaps: new Uint8Array([0b11]), rowPointers: new Uint32Array([0, 2]) },
          values: dense(2),
        },
        'layout.gaps',
      ],
      [
        {
          kind: 'sparse',
          shape: [4],
          layout: { kind: 'nm', n: 2, m: 4, axis: 0, positions: new Uint8Array([0b0101]) },
          values: dense(2),
        },
        'layout.positions[1]',
      ],
      [
        {
          kind: 'sparse',
          shape: [6],
          layout: { kind: 'nm', n: 2, m: 4, axis: 0, positions: new Uint8Array(1) },
          values: dense(2),
        },
        'layout.m',
      ],
      [{ kind: 'lowrank', shape: [2, 2], left: dense(2), right: dense(2) }, 'left.shape'],
      [
        {
          kind: 'codebook',
          shape: [1],
          bits: 2,
          centroids: { dtype: 'float32', shape: [2], data: new Float32Array(2) },
          indices: new Uint8Array([3]),
        },
        'indices[0]',
      ],
      [{ kind: 'nope' }, 'kind'],
    ];
    for (const [value, field] of cases) {
      expect(() => validateEncoding(value), field).toThrow(
        expect.objectContaining({ code: 'invalid-encoding', field })
      );
    }
  });
});

describe('assembleEncoding fuzz', () => {
  test('arbitrary metadata and buffers throw a WhittleError', () => {
    const buffers = fc.dictionary(fc.string(), fc.uint8Array({ maxLength: 16 }));
    fc.assert(
      fc.property(fc.anything(), buffers, (metadata, named) => {
        acceptsOrThrowsTyped(() => assembleEncoding(metadata, named));
      }),
      { numRuns: 300 }
    );
  });

  test('mutated metadata and lying buffers throw a WhittleError or assemble to something usable', () => {
    const cases = partsArbitrary.chain(({ metadata, buffers }) =>
      fc.oneof(
        mutationArbitrary(metadata).map((bad) => ({ metadata: bad, buffers })),
        mutationArbitrary(buffers).map((bad) => ({ metadata, buffers: bad as Record<string, Uint8Array> }))
      )
    );
    fc.assert(
      fc.property(cases, ({ metadata, buffers }) => {
        expectUsable(acceptsOrThrowsTyped(() => assembleEncoding(metadata, buffers)));
      }),
      { numRuns: 600 }
    );
  });

  test('deeply nested metadata is rejected', () => {
    const leaf = { kind: 'dense', shape: [1], tensor: { buffer: 't', dtype: 'float32', shape: [1] } };
    expect(() => assembleEncoding(deeplyNested(500, leaf), { t: new Uint8Array(4) })).toThrow(WhittleError);
  });
});
