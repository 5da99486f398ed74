import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  byteLength,
  compress,
  createModel,
  createRecipeRegistry,
  decode,
  denseEncoding,
  estimate,
  getParam,
  modelByteLength,
  type Model,
  type RecipeStep,
} from '@whittle/core';
import { quantizeStockAffine } from '@whittle/core/tfjs';
import { unstructuredHandlers } from './handlers.ts';
import { magnitude, magnitudeHandler } from './magnitude-step.ts';
import { denseTensorsArbitrary, modelOf, referencePrune, type TestTensor } from './test-models.test-support.ts';

const registry = createRecipeRegistry(unstructuredHandlers);
const run = (model: Model, steps: RecipeStep[]) => compress(model, steps, { registry });
const valuesOf = (model: Model, name: string): number[] => Array.from(decode(getParam(model, name).value).data as Float32Array);
const sparsityArbitrary = fc.oneof(fc.constantFrom(0, 0.5, 0.9, 1), fc.double({ min: 0, max: 1, noNaN: true }));

describe('prune.magnitude, layer scope', () => {
  it('prunes each tensor to round(sparsity · size) of its lowest |w|, exactly as sorting would', async () => {
    await fc.assert(
      fc.asyncProperty(denseTensorsArbitrary, sparsityArbitrary, async (tensors, sparsity) => {
        const model = modelOf(tensors);
        const { model: pruned } = await run(model, [magnitude({ sparsity })]);
        for (const { name, values } of tensors) {
          const count = Math.round(sparsity * values.length);
          const result = valuesOf(pruned, name);
          expect(result).toEqual(referencePrune(values, count));
          // Zeros hit the target within one element, unless the tensor held more zeros already.
          const zeros = result.filter((value) => value === 0).length;
          const zerosBefore = values.filter((value) => Math.fround(value) === 0).length;
          expect(zeros).toBe(Math.max(count, zerosBefore));
          expect(Math.abs(count - sparsity * values.length)).toBeLessThanOrEqual(0.5);
        }
        expect(getParam(pruned, 'out/bias')).toBe(getParam(model, 'out/bias'));
      }),
    );
  });

  it('takes per-param sparsities from the first glob that matches, else sparsity', async () => {
    const tensors: TestTensor[] = ['dense_1/kernel', 'dense_2/kernel', 'head/kernel'].map((name, index) => ({
      name,
      role: 'dense-kernel',
      shape: [10, 10],
      values: Array.from({ length: 100 }, (_, element) => ((element * 37 + index * 11) % 100) - 49.5),
    }));
    const step = magnitude({ sparsity: 0.1, sparsities: { 'dense_1/*': 0.95, 'dense_*/*': 0.5 } });
    const { model: pruned } = await run(modelOf(tensors), [step]);
    const zeros = (name: string) => valuesOf(pruned, name).filter((value) => value === 0).length;
    expect([zeros('dense_1/kernel'), zeros('dense_2/kernel'), zeros('head/kernel')]).toEqual([95, 50, 10]);
  });

  it('prunes an already sparse param further: pruning to 50% then 80% is pruning to 80%', async () => {
    await fc.assert(
      fc.asyncProperty(denseTensorsArbitrary, async (tensors) => {
        const model = modelOf(tensors);
        const { model: half } = await run(model, [magnitude({ sparsity: 0.5, storage: { layout: 'bitmask' } })]);
        for (const { name } of tensors) expect(getParam(half, name).value.kind).toBe('sparse');
        const { model: twice } = await run(half, [magnitude({ sparsity: 0.8 })]);
        const { model: once } = await run(model, [magnitude({ sparsity: 0.8 })]);
        for (const { name } of tensors) expect(valuesOf(twice, name)).toEqual(valuesOf(once, name));
      }),
    );
  });

  it('stores in the layout asked for, and by default in the smallest form', async () => {
    const tensors: TestTensor[] = [{ name: 'd/kernel', role: 'dense-kernel', shape: [64, 64], values: Array.from({ length: 4096 }, (_, i) => Math.sin(i) + 2) }];
    const model = modelOf(tensors);
    const sizes: Record<string, number> = {};
    for (const layout of ['dense', 'bitmask', 'csr', 'relative', 'auto'] as const) {
      const { model: pruned } = await run(model, [magnitude({ sparsity: 0.9, storage: { layout } })]);
      const value = getParam(pruned, 'd/kernel').value;
      if (layout !== 'auto') expect(value.kind === 'sparse' ? value.layout.kind : value.kind).toBe(layout);
      sizes[layout] = byteLength(value);
      expect(valuesOf(pruned, 'd/kernel')).toEqual(referencePrune(tensors[0]!.values, 3686));
    }
    expect(sizes.auto).toBe(Math.min(sizes.dense!, sizes.bitmask!, sizes.csr!, sizes.relative!));
    // 64 rows of 64: relative indices save the 65 row pointers CSR stores, at most a few fillers' worth less.
    expect(sizes.relative).toBeLessThan(sizes.csr!);
    const { model: narrow } = await run(model, [magnitude({ sparsity: 0.9, storage: { layout: 'csr', indexBits: 2 } })]);
    expect(getParam(narrow, 'd/kernel').value).toMatchObject({ kind: 'sparse', layout: { kind: 'csr', indexBits: 2 } });
    const { model: flat } = await run(model, [magnitude({ sparsity: 0.9, storage: { layout: 'relative', indexBits: 5 } })]);
    expect(getParam(flat, 'd/kernel').value).toMatchObject({ kind: 'sparse', layout: { kind: 'relative', indexBits: 5 } });
    expect(valuesOf(flat, 'd/kernel')).toEqual(referencePrune(tensors[0]!.values, 3686));
  });

  it('keeps float16 values float16, and leaves quantized and integer params alone with a note', async () => {
    const halfBits = Uint16Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 0x3c00 : 0xbc00) + i * 64);
    const model = createModel({
      format: 'safetensors',
      params: [
        { name: 'half/kernel', role: 'dense-kernel', value: denseEncoding({ dtype: 'float16', shape: [4, 4], data: halfBits }) },
        { name: 'uint8/kernel', role: 'dense-kernel', value: quantizeStockAffine(Float32Array.from([1, 2, 3, 4]), [2, 2], 8) },
        { name: 'ids/kernel', role: 'dense-kernel', value: denseEncoding({ dtype: 'int32', shape: [2], data: new Int32Array([1, 2]) }) },
      ],
    });
    const { model: pruned, steps } = await run(model, [magnitude({ sparsity: 0.75, storage: { layout: 'bitmask' } })]);
    const value = getParam(pruned, 'half/kernel').value;
    expect(value).toMatchObject({ kind: 'sparse', values: { kind: 'dense', tensor: { dtype: 'float16', shape: [4] } } });
    const original = Array.from(decode(getParam(model, 'half/kernel').value).data as Float32Array);
    expect(valuesOf(pruned, 'half/kernel')).toEqual(referencePrune(original, 12));
    expect(getParam(pruned, 'uint8/kernel')).toBe(getParam(model, 'uint8/kernel'));
    expect(getParam(pruned, 'ids/kernel')).toBe(getParam(model, 'ids/kernel'));
    expect(steps[0]!.notes).toEqual([
      'uint8/kernel: left alone: it is affine-encoded (prune before quantizing)',
      'ids/kernel: left alone: it holds int32 values',
    ]);
  });
});

describe('prune.magnitude, global scope', () => {
  it('prunes round(sparsity · total) elements, exactly as ranking the concatenation of the selected params', async () => {
    await fc.assert(
      fc.asyncProperty(denseTensorsArbitrary, sparsityArbitrary, async (tensors, sparsity) => {
        const { model: pruned } = await run(modelOf(tensors), [magnitude({ sparsity, scope: 'global' })]);
        const concatenation = tensors.flatMap(({ values }) => values);
        const expected = referencePrune(concatenation, Math.round(sparsity * concatenation.length));
        expect(tensors.flatMap(({ name }) => valuesOf(pruned, name))).toEqual(expected);
      }),
    );
  });

  it('ranks only the params the filter selects', async () => {
    const tensors: TestTensor[] = [
      { name: 'small/kernel', role: 'dense-kernel', shape: [2, 2], values: [0.1, 0.2, 0.3, 0.4] },
      { name: 'large/kernel', role: 'dense-kernel', shape: [2, 2], values: [5, 6, 7, 8] },
    ];
    const { model: pruned } = await run(modelOf(tensors), [magnitude({ sparsity: 0.5, scope: 'global', include: ['large/*'] })]);
    expect(valuesOf(pruned, 'small/kernel')).toEqual(Array.from(Float32Array.from([0.1, 0.2, 0.3, 0.4])));
    expect(valuesOf(pruned, 'large/kernel')).toEqual([0, 0, 7, 8]);
  });
});

describe('pruning steps and their input', () => {
  it('never mutate the input model', async () => {
    await fc.assert(
      fc.asyncProperty(denseTensorsArbitrary, async (tensors) => {
        const model = modelOf(tensors);
        const snapshot = structuredClone([...model.params.entries()]);
        await run(model, [magnitude({ sparsity: 0.7 })]);
        await run(model, [magnitude({ sparsity: 0.7, scope: 'global' })]);
        await run(model, [{ kind: 'prune.nm', n: 1, m: 2 }]);
        expect([...model.params.entries()]).toStrictEqual(snapshot);
      }),
      { numRuns: 30 },
    );
  });
});

describe('prune.magnitude estimate', () => {
  it('gives exactly the params and bytes apply leaves, in both scopes', async () => {
    await fc.assert(
      fc.asyncProperty(denseTensorsArbitrary, sparsityArbitrary, fc.constantFrom('layer', 'global'), async (tensors, sparsity, scope) => {
        const model = modelOf(tensors);
        const step = magnitude({ sparsity, scope: scope as 'layer' | 'global' });
        const { model: pruned, steps } = await run(model, [step]);
        expect(estimate(model, step, { registry })).toEqual({ params: steps[0]!.paramsAfter, bytes: modelByteLength(pruned) });
        expect(steps[0]!.bytesAfter).toBe(modelByteLength(pruned));
      }),
    );
  });
});

describe('prune.magnitude streaming', () => {
  it('streams layer scope whenever every pruned tensor is certain to be stored sparse', () => {
    const config = (step: RecipeStep) => magnitudeHandler.validate(step, { step: 1 });
    const streams = (step: RecipeStep) => magnitudeHandler.streamsConfig!(config(step));
    expect(magnitudeHandler.perParam).toBe(true);
    expect(streams(magnitude({ sparsity: 0.5 }))).toBe(true);
    expect(streams(magnitude({ sparsity: 0.5, scope: 'global' }))).toBe(false);
    // Dense may be the smallest form at low sparsity: core would encode a large tensor in row blocks.
    expect(streams(magnitude({ sparsity: 0.05 }))).toBe(false);
    expect(streams(magnitude({ sparsity: 0.05, storage: { layout: 'bitmask' } }))).toBe(true);
    expect(streams(magnitude({ sparsity: 0.9, storage: { layout: 'dense' } }))).toBe(false);
    expect(streams(magnitude({ sparsity: 0.2, storage: { valueBits: 4 } }))).toBe(false);
    expect(streams(magnitude({ sparsity: 0.9, sparsities: { 'a/*': 0.01 } }))).toBe(false);
  });
});
