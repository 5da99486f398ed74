import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../errors.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { shapeArbitrary, sparseTensorArbitrary } from '../testing/arbitraries.ts';
import { tensorBits } from '../testing/bits.ts';
import { unpackBits } from './bit-pack.ts';
import { castDense } from './dense.ts';
import { decode } from './decode.ts';
import { sparseFromDense } from './sparse-from-dense.ts';
import type { SparseEncoding } from './types.ts';

/** Keeps at most `n` nonzeros in every run of `m` along `axis`, so the tensor is N:M sparse. */
function forceNm(tensor: HostTensor<'float32'>, n: number, m: number, axis: number): HostTensor<'float32'> {
  const data = Float32Array.from(tensor.data);
  const inner = tensor.shape.slice(axis + 1).reduce((product, dimension) => product * dimension, 1);
  const length = tensor.shape[axis]!;
  for (let start = 0; start < data.length; start++) {
    const position = Math.floor(start / inner) % length;
    if (position % m !== 0) continue;
    let kept = 0;
    for (let offset = 0; offset < m; offset++) {
      const index = start + offset * inner;
      if (Object.is(data[index], 0)) continue;
      if (kept++ >= n) data[index] = 0;
    }
  }
  return { ...tensor, data };
}

describe('sparseFromDense', () => {
  test('bitmask and CSR (small indexBits force fillers) decode bit-exactly', () => {
    const layouts = fc.oneof(
      fc.constant({ kind: 'bitmask' } as const),
      fc.constantFrom(1, 2, 3, 8, 16).map((indexBits) => ({ kind: 'csr', indexBits } as const))
    );
    fc.assert(
      fc.property(
        sparseTensorArbitrary({ maxRank: 3, maxDimension: 12, zeroFraction: 0.8 }),
        layouts,
        (tensor, layout) => {
          const encoding = sparseFromDense(tensor, layout);
          expect(tensorBits(decode(encoding))).toEqual(tensorBits(tensor));
        }
      ),
      { numRuns: 300 }
    );
  });

  test('CSR inserts zero-valued fillers when a gap exceeds 2^indexBits - 1', () => {
    const data = new Float32Array(12);
    data[0] = 1;
    data[9] = 2;
    const encoding = sparseFromDense({ dtype: 'float32', shape: [1, 12], data }, { kind: 'csr', indexBits: 2 });
    const layout = encoding.layout as Extract<SparseEncoding['layout'], { kind: 'csr' }>;
    // Column 0, then 8 zeros: fillers at columns 4 and 8 bridge them (gap 3 each), then gap 0.
    expect(Array.from(layout.rowPointers)).toEqual([0, 4]);
    expect(Array.from(unpackBits(layout.gaps, 4, 2))).toEqual([0, 3, 3, 0]);
    expect(Array.from(decode(encoding.values).data)).toEqual([1, 0, 0, 2]);
    expect(Array.from(decode(encoding).data)).toEqual(Array.from(data));
  });

  test('N:M decodes bit-exactly along any axis', () => {
    const cases = fc
      .record({
        m: fc.constantFrom(1, 2, 4, 8),
        n: fc.integer({ min: 1, max: 8 }),
        rank: fc.integer({ min: 1, max: 3 }),
      })
      .chain(({ m, n, rank }) =>
        fc.record({
          m: fc.constant(m),
          n: fc.constant(Math.min(n, m)),
          axis: fc.integer({ min: 0, max: rank - 1 }),
          shape: shapeArbitrary({ minRank: rank, maxRank: rank, maxDimension: 4 }),
        })
      )
      .chain(({ m, n, axis, shape }) => {
        const scaled = shape.map((dimension, index) => (index === axis ? dimension * m : dimension));
        return sparseTensorArbitrary({ shape: scaled, zeroFraction: 0.6 }).map((tensor) => ({
          tensor: forceNm(tensor, n, m, axis),
          layout: { kind: 'nm', n, m, axis } as const,
        }));
      });
    fc.assert(
      fc.property(cases, ({ tensor, layout }) => {
        const encoding = sparseFromDense(tensor, layout);
        expect(tensorBits(decode(encoding))).toEqual(tensorBits(tensor));
      }),
      { numRuns: 300 }
    );
  });

  test('N:M rejects a tensor that is not N:M sparse', () => {
    const tensor = { dtype: 'float32', shape: [2, 4], data: new Float32Array([1, 1, 1, 0, 1, 0, 0, 0]) } as const;
    expect(() => sparseFromDense(tensor, { kind: 'nm', n: 2, m: 4 })).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'tensor' })
    );
    expect(() => sparseFromDense(tensor, { kind: 'nm', n: 2, m: 3 })).toThrow(WhittleError);
    const alternating = { dtype: 'float32', shape: [2, 4], data: new Float32Array([1, 0, 1, 0, 0, 1, 0, 1]) } as const;
    expect(sparseFromDense(alternating, { kind: 'nm', n: 1, m: 2, axis: -2 }).layout).toMatchObject({ axis: 0 });
    expect(() => sparseFromDense(alternating, { kind: 'nm', n: 1, m: 4 })).toThrow(WhittleError);
  });

  test('keeps -0 and NaN, and encodes values with the given encoder', () => {
    const tensor = { dtype: 'float32', shape: [4], data: new Float32Array([0, -0, Number.NaN, 0.1]) } as const;
    const encoding = sparseFromDense(tensor, { kind: 'bitmask' }, (values) => castDense(values, 'float16'));
    expect(encoding.values).toMatchObject({ kind: 'dense', tensor: { dtype: 'float16', shape: [3] } });
    expect(Object.is(decode(encoding).data[1], -0)).toBe(true);
    expect(() => sparseFromDense(tensor, { kind: 'csr', indexBits: 9 })).toThrow(WhittleError);
  });
});
