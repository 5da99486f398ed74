import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteLength } from '../encoding/byte-length.ts';
import { codebookFromIndices } from '../encoding/codebook.ts';
import { decode } from '../encoding/decode.ts';
import { sparseFromDense } from '../encoding/sparse-from-dense.ts';
import type { Encoding } from '../encoding/types.ts';
import { getParam, countParams, modelByteLength } from '../model/model-queries.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { replaceParams } from '../model/replace-params.ts';
import type { Model } from '../model/types.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { modelArbitrary } from '../testing/model-arbitraries.ts';
import { tensorBits } from '../testing/bits.ts';
import { compress } from './compress.ts';
import { defaultRegistry } from './default-registry.ts';
import { estimate } from './estimate.ts';
import { huffman, huffmanHandler } from './huffman-step.ts';

/** A kernel pruned to every fourth column and shared among 8 centroids, index i % 5 (skewed to 0–4). */
function prunedKernel(rows: number, columns: number): Encoding {
  const data = Float32Array.from({ length: rows * columns }, (_, index) => (index % 4 === 0 ? 1 + (index % 5) : 0));
  return sparseFromDense(hostTensor('float32', [rows, columns], data), { kind: 'csr', indexBits: 3 }, (kept) =>
    codebookFromIndices({
      shape: kept.shape,
      centroids: hostTensor('float32', [8], Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7)),
      indices: Array.from(kept.data, (value) => value),
    }),
  );
}

function model(): Model {
  const base = modelFromTensors({
    'dense/kernel': hostTensor('float32', [64, 32]),
    'dense/bias': hostTensor('float32', [32]),
    'head/kernel': hostTensor('float32', [32, 8]),
  });
  return replaceParams(base, new Map([['dense/kernel', prunedKernel(64, 32)]]));
}

const sizeOf = (result: Model) => ({ params: countParams(result), bytes: modelByteLength(result) });

describe('encode.huffman', () => {
  it('is in the default registry, so a recipe needs no technique package, and builds plain data', () => {
    expect(defaultRegistry.get('encode.huffman')).toBe(huffmanHandler);
    expect(huffman({ exclude: ['head/**'] })).toStrictEqual({ kind: 'encode.huffman', exclude: ['head/**'] });
    expect(huffmanHandler.validate(huffmanHandler.example!, { step: 1 })).toStrictEqual(huffmanHandler.example);
    expect(() => huffmanHandler.validate({ kind: 'encode.huffman', coding: 'rans' }, { step: 3 })).toThrow(
      expect.objectContaining({ code: 'invalid-recipe', step: 3, field: 'coding' }),
    );
  });

  it('codes the streams of the pruned, shared kernel, losslessly, and reports what it left alone', async () => {
    const input = model();
    const { model: result, steps } = await compress(input, [{ kind: 'encode.huffman' }]);
    const kernel = getParam(result, 'dense/kernel').value;
    expect(kernel.kind).toBe('entropy');
    expect(tensorBits(decode(kernel))).toEqual(tensorBits(decode(getParam(input, 'dense/kernel').value)));
    expect(byteLength(kernel)).toBeLessThan(byteLength(getParam(input, 'dense/kernel').value));
    for (const name of ['dense/bias', 'head/kernel']) expect(getParam(result, name)).toBe(getParam(input, name));
    expect(steps[0]!.notes).toEqual([
      'dense/bias: left alone: a dense encoding has no index or code streams',
      'head/kernel: left alone: a dense encoding has no index or code streams',
    ]);
    expect(estimate(input, huffman())).toEqual(sizeOf(result));
    // Run again, everything is left alone; the input model never changes.
    const again = await compress(result, [huffman()]);
    expect(again.steps[0]!.notes).toContain('dense/kernel: left alone: already entropy-coded');
    expect(getParam(input, 'dense/kernel').value.kind).toBe('sparse');
  });

  it('estimates exactly what it writes, for random models and filters', async () => {
    await fc.assert(
      fc.asyncProperty(modelArbitrary(), fc.constantFrom({}, { include: ['layer0/*'] }, { exclude: ['layer1/*'], roles: ['bias' as const] }), async (input, filter) => {
        const step = huffman(filter);
        const { model: result } = await compress(input, [step], { requireSelection: false });
        expect(estimate(input, step)).toEqual(sizeOf(result));
        expect(modelByteLength(result)).toBeLessThanOrEqual(modelByteLength(input));
        for (const [name, param] of input.params) expect(tensorBits(decode(getParam(result, name).value))).toEqual(tensorBits(decode(param.value)));
      }),
      { numRuns: 60 },
    );
  });
});
