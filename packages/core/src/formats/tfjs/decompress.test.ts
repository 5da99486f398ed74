import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { castDense, denseEncoding } from '../../encoding/dense.ts';
import { decode } from '../../encoding/decode.ts';
import { WhittleError } from '../../errors.ts';
import { createModel } from '../../model/create-model.ts';
import { tensorBits } from '../../testing/bits.ts';
import { encodingArbitrary } from '../../testing/encoding-arbitraries.ts';
import { decompress } from './decompress.ts';
import { quantizeStockAffine } from './stock-uint8.ts';
import { stockWeight } from './stock-weights.ts';

const codesOf = (encoding: ReturnType<typeof quantizeStockAffine>) => Array.from(encoding.codes);
const parametersOf = (encoding: ReturnType<typeof quantizeStockAffine>) => [
  encoding.scales.data[0],
  encoding.offsets!.data[0],
];

describe('quantizeStockAffine (tfjs-converter --quantize_uint8)', () => {
  test('nudges the range so zero is exact, and rounds halves to even as numpy does', () => {
    const unit = quantizeStockAffine(Float32Array.of(0, 2.5, 3.5, 255), [4]);
    expect(parametersOf(unit)).toEqual([1, 0]);
    expect(codesOf(unit)).toEqual([0, 2, 4, 255]);
    const mixed = quantizeStockAffine(Float32Array.of(-1, 0, 2), [3]);
    const scale = 3 / 255;
    expect(parametersOf(mixed)).toEqual([scale, -Math.round(1 / scale) * scale]);
    expect(decode(mixed).data[1]).toBe(0);
  });

  test('a constant tensor gets scale 1 and min = its value; an empty one scale 1 and min 0', () => {
    const constant = quantizeStockAffine(new Float32Array(5).fill(-0.75), [5], 16);
    expect(parametersOf(constant)).toEqual([1, -0.75]);
    expect(codesOf(constant).every((code) => code === 0)).toBe(true);
    expect(parametersOf(quantizeStockAffine(new Float32Array(0), [0, 3]))).toEqual([1, 0]);
  });

  test('zeros decode to exactly zero, every value within one step, and the result is stock', () => {
    fc.assert(
      fc.property(
        fc
          .float32Array({ noNaN: true, noDefaultInfinity: true, minLength: 1, maxLength: 40 })
          .map((values) => values.map((value) => Math.max(-1e30, Math.min(1e30, value)))),
        fc.constantFrom(8, 16) as fc.Arbitrary<8 | 16>,
        (values, bits) => {
          const withZero = Float32Array.of(...values, 0);
          const encoding = quantizeStockAffine(withZero, [withZero.length], bits);
          expect(stockWeight(encoding)?.quantization?.dtype).toBe(bits === 8 ? 'uint8' : 'uint16');
          const decoded = decode(encoding).data;
          const step = encoding.scales.data[0]!;
          withZero.forEach((value, index) => {
            if (value === 0) expect(decoded[index]).toBe(0);
            expect(Math.abs(decoded[index]! - value)).toBeLessThanOrEqual(step * 1.0001 + Math.abs(value) * 1e-6);
          });
        }
      ),
      { numRuns: 200 }
    );
  });
});

describe('decompress', () => {
  const arbitraryModel = fc
    .array(encodingArbitrary(), { maxLength: 4 })
    .map((encodings) =>
      createModel({
        format: 'checkpoint',
        params: encodings.map((value, index) => ({ name: `p${index}`, role: 'other', value })),
      })
    );

  test('float32: every float param dense float32 with exactly the decoded values; ints int32 or bool; input untouched', () => {
    fc.assert(
      fc.property(arbitraryModel, (model) => {
        const before = [...model.params.values()].map((param) => tensorBits(decode(param.value)));
        const plain = decompress(model);
        expect([...plain.params.keys()]).toEqual([...model.params.keys()]);
        for (const [name, param] of plain.params) {
          expect(param.value.kind).toBe('dense');
          const dtype = param.value.kind === 'dense' ? param.value.tensor.dtype : undefined;
          expect(['float32', 'int32', 'bool']).toContain(dtype);
          const original = decode(model.params.get(name)!.value);
          const values = decode(param.value);
          if (dtype === 'int32' && original.dtype !== 'int32')
            expect(Array.from(values.data)).toEqual(Array.from(original.data));
          else expect(tensorBits(values)).toEqual(tensorBits(original));
          expect(stockWeight(param.value)).toBeDefined();
        }
        expect([...model.params.values()].map((param) => tensorBits(decode(param.value)))).toEqual(before);
      }),
      { numRuns: 100 }
    );
  });

  test('float16 and uint8: stock forms, already-stock params kept as they are', () => {
    const tensor = { dtype: 'float32', shape: [4], data: Float32Array.of(-1, 0, 0.5, 2) } as const;
    const half = castDense(tensor, 'float16');
    const model = createModel({
      format: 'checkpoint',
      params: [
        { name: 'half', role: 'other', value: half },
        { name: 'float', role: 'other', value: denseEncoding(tensor) },
        { name: 'bfloat', role: 'other', value: castDense(tensor, 'bfloat16') },
        {
          name: 'nan',
          role: 'other',
          value: denseEncoding({ dtype: 'float32', shape: [2], data: Float32Array.of(1, Number.NaN) }),
        },
        {
          name: 'flags',
          role: 'other',
          value: denseEncoding({ dtype: 'bool', shape: [2], data: Uint8Array.of(1, 0) }),
        },
        {
          name: 'small',
          role: 'other',
          value: denseEncoding({ dtype: 'int8', shape: [2], data: Int8Array.of(-3, 4) }),
        },
      ],
    });
    const float16 = decompress(model, { dtype: 'float16' });
    expect(float16.params.get('half')!.value).toBe(half);
    expect(float16.params.get('bfloat')!.value).toEqual(castDense(decode(castDense(tensor, 'bfloat16')), 'float16'));
    const uint8 = decompress(model, { dtype: 'uint8' });
    const kinds = Object.fromEntries(
      [...uint8.params].map(([name, param]) => [
        name,
        stockWeight(param.value)?.quantization?.dtype ?? stockWeight(param.value)?.dtype,
      ])
    );
    expect(kinds).toEqual({
      half: 'uint8',
      float: 'uint8',
      bfloat: 'uint8',
      nan: 'float32',
      flags: 'bool',
      small: 'int32',
    });
    expect(decompress(uint8, { dtype: 'uint8' }).params.get('float')!.value).toBe(uint8.params.get('float')!.value);
    expect(() => decompress(model, { dtype: 'int4' as never })).toThrow(WhittleError);
  });
});

describe('decompress reuses one work array across params', () => {
  test('float16 and uint8 outputs equal each param decompressed alone', () => {
    const arbitraryModel = fc
      .array(encodingArbitrary(), { minLength: 2, maxLength: 5 })
      .map((encodings) =>
        createModel({
          format: 'checkpoint',
          params: encodings.map((value, index) => ({ name: `p${index}`, role: 'other', value })),
        })
      );
    fc.assert(
      fc.property(arbitraryModel, fc.constantFrom('float16', 'uint8') as fc.Arbitrary<'float16' | 'uint8'>, (model, dtype) => {
        const together = decompress(model, { dtype });
        for (const [name, param] of model.params) {
          const alone = decompress(createModel({ format: 'checkpoint', params: [param] }), { dtype });
          expect(tensorBits(decode(together.params.get(name)!.value))).toEqual(tensorBits(decode(alone.params.get(name)!.value)));
        }
      }),
      { numRuns: 100 }
    );
  });
});
