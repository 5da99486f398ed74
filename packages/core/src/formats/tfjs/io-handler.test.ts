import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createModel } from '../../model/create-model.ts';
import { encodingArbitrary } from '../../testing/encoding-arbitraries.ts';
import { decompress } from './decompress.ts';
import { toModelArtifacts } from './io-handler.ts';
import { stockWeight } from './stock-weights.ts';

const arbitraryModel = fc
  .array(encodingArbitrary({ maxDepth: 2 }), { maxLength: 6 })
  .map((encodings) =>
    createModel({
      format: 'checkpoint',
      params: encodings.map((value, index) => ({ name: `p${index}`, role: 'other', value })),
    }),
  );

function concatenated(parts: readonly Uint8Array[]): number[] {
  return parts.flatMap((part) => Array.from(part));
}

describe('toModelArtifacts', () => {
  test('weight bytes and specs are those of the model decompressed to stock float32, param by param', () => {
    fc.assert(
      fc.property(arbitraryModel, (model) => {
        const artifacts = toModelArtifacts(model);
        // The oracle: each param decompressed on its own, into fresh arrays, then its stock bytes.
        const expected = [...decompress(model).params.values()].map((param) => stockWeight(param.value)!);
        expect(artifacts.weightSpecs!.map((spec) => spec.dtype)).toEqual(expected.map((weight) => weight.dtype));
        expect(artifacts.weightSpecs!.map((spec) => spec.name)).toEqual([...model.params.keys()]);
        const data = artifacts.weightData!;
        const chunks = Array.isArray(data) ? data : [data];
        expect(concatenated(chunks.map((chunk) => new Uint8Array(chunk)))).toEqual(concatenated(expected.map((weight) => weight.bytes)));
      }),
      { numRuns: 150 },
    );
  });

  test('a bool param puts the next floats off a 4-byte boundary: they still decode exactly', () => {
    const model = createModel({
      format: 'checkpoint',
      params: [
        { name: 'flags', role: 'other', value: { kind: 'dense', tensor: { dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) } } },
        {
          name: 'weights', role: 'other',
          value: {
            kind: 'affine', shape: [300], bits: 4, signed: true, granularity: { kind: 'tensor' },
            codes: Uint8Array.from({ length: 150 }, (_, index) => index * 37),
            scales: { dtype: 'float32', shape: [], data: Float32Array.of(0.25) },
          },
        },
      ],
    });
    const bytes = new Uint8Array(toModelArtifacts(model).weightData as ArrayBuffer);
    const expected = [...decompress(model).params.values()].map((param) => stockWeight(param.value)!.bytes);
    expect(Array.from(bytes)).toEqual(concatenated(expected));
  });
});
