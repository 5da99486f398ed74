import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compress, createModel, createRecipeRegistry, decode, denseEncoding, estimate, getParam, modelByteLength, type Model, type ParamRole } from '@whittle/core';
import { unstructuredHandlers } from './handlers.ts';
import { nm, nmHandler } from './nm-step.ts';
import { weightValue } from './test-models.test-support.ts';

const registry = createRecipeRegistry(unstructuredHandlers);

/** The param's input axis, written out per role (Keras kernels: second to last; Linear: 1). */
const INPUT_AXIS: Partial<Record<ParamRole, (rank: number) => number>> = {
  'dense-kernel': () => 0,
  'conv2d-kernel': () => 2,
  'linear-weight': () => 1,
};

const paramArbitrary = fc.constantFrom<ParamRole>('dense-kernel', 'conv2d-kernel', 'linear-weight').chain((role) => {
  const shape = role === 'conv2d-kernel' ? fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 3 })) : fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }));
  return shape.chain((dimensions) => {
    const size = dimensions.reduce((a, b) => a * b, 1);
    return fc.record({ role: fc.constant(role), shape: fc.constant(dimensions as number[]), values: fc.array(weightValue, { minLength: size, maxLength: size }) });
  });
});

const patternArbitrary = fc.integer({ min: 2, max: 16 }).chain((m) => fc.tuple(fc.integer({ min: 1, max: m - 1 }), fc.constant(m)));

function modelOfParam(role: ParamRole, shape: number[], values: number[]): Model {
  return createModel({ format: 'safetensors', params: [{ name: 'w', role, value: denseEncoding({ dtype: 'float32', shape, data: Float32Array.from(values) }) }] });
}

/** Every group: the flat indices of up to m consecutive elements along `axis`, found by coordinates. */
function groupsAlong(shape: readonly number[], axis: number, m: number): number[][] {
  const strides = shape.map((_, dimension) => shape.slice(dimension + 1).reduce((a, b) => a * b, 1));
  const size = shape.reduce((a, b) => a * b, 1);
  const groups: number[][] = [];
  for (let index = 0; index < size; index++) {
    const coordinate = Math.floor(index / strides[axis]!) % shape[axis]!;
    if (coordinate % m !== 0) continue;
    const group: number[] = [];
    for (let offset = 0; offset < m && coordinate + offset < shape[axis]!; offset++) group.push(index + offset * strides[axis]!);
    groups.push(group);
  }
  return groups;
}

describe('prune.nm', () => {
  it('keeps at most n nonzeros, the n largest |w|, in every group of m along the input axis; stored N:M when m divides the axis', async () => {
    await fc.assert(
      fc.asyncProperty(paramArbitrary, patternArbitrary, async ({ role, shape, values }, [n, m]) => {
        const model = modelOfParam(role, shape, values);
        const { model: pruned, steps } = await compress(model, [nm({ n, m })], { registry });
        const axis = INPUT_AXIS[role]!(shape.length);
        const original = Float32Array.from(values);
        const value = getParam(pruned, 'w').value;
        const result = decode(value).data as Float32Array;
        for (const group of groupsAlong(shape, axis, m)) {
          const kept = group.filter((index) => result[index] !== 0);
          expect(kept.length).toBeLessThanOrEqual(n);
          // Reference: sort the group by |w| descending, lower index first on ties; keep n.
          const ranked = [...group].sort((a, b) => Math.abs(original[b]!) - Math.abs(original[a]!) || a - b);
          const expectedKept = ranked.slice(0, n).filter((index) => original[index] !== 0);
          expect(kept).toEqual(expectedKept.sort((a, b) => a - b));
          for (const index of kept) expect(result[index]).toBe(original[index]);
        }
        if (shape[axis]! % m === 0) {
          expect(value).toMatchObject({ kind: 'sparse', layout: { kind: 'nm', n, m, axis } });
          expect(steps[0]!.notes).toEqual([]);
        } else {
          expect(value.kind === 'sparse' && value.layout.kind).not.toBe('nm');
          expect(steps[0]!.notes).toEqual([`w: stored in the smallest sparse form, not N:M: axis ${axis} of length ${shape[axis]} is not a multiple of ${m}`]);
        }
        expect(estimate(model, nm({ n, m }), { registry })).toEqual({ params: steps[0]!.paramsAfter, bytes: modelByteLength(pruned) });
      }),
    );
  });

  it('is 2:4 by default, takes an explicit axis, and leaves roles without an input axis alone with a note', async () => {
    const values = Array.from({ length: 32 }, (_, index) => index + 1);
    const model = createModel({
      format: 'safetensors',
      params: [
        { name: 'dense/kernel', role: 'dense-kernel', value: denseEncoding({ dtype: 'float32', shape: [8, 4], data: Float32Array.from(values) }) },
        { name: 'embedding/embeddings', role: 'embedding', value: denseEncoding({ dtype: 'float32', shape: [4, 8], data: Float32Array.from(values) }) },
      ],
    });
    const { model: pruned, steps } = await compress(model, [nm()], { registry });
    // Along axis 0 of [8, 4]: rows 2, 3 and 6, 7 hold the larger |w| of each column's groups.
    const kept = Array.from(decode(getParam(pruned, 'dense/kernel').value).data as Float32Array);
    expect(kept).toEqual(values.map((value, index) => (Math.floor(index / 4) % 4 >= 2 ? value : 0)));
    expect(getParam(pruned, 'embedding/embeddings')).toBe(getParam(model, 'embedding/embeddings'));
    expect(steps[0]!.notes).toEqual(['embedding/embeddings: left alone: role embedding at rank 2 has no input axis (give axis to choose one)']);
    const { model: alongLast } = await compress(model, [nm({ n: 1, m: 4, axis: -1 })], { registry });
    expect(getParam(alongLast, 'embedding/embeddings').value).toMatchObject({ kind: 'sparse', layout: { kind: 'nm', n: 1, m: 4, axis: 1 } });
    expect(Array.from(decode(getParam(alongLast, 'dense/kernel').value).data as Float32Array)).toEqual(values.map((value, index) => (index % 4 === 3 ? value : 0)));
  });

  it('stores as asked when storage names a layout', async () => {
    const model = modelOfParam('dense-kernel', [16, 16], Array.from({ length: 256 }, (_, index) => Math.cos(index)));
    for (const layout of ['bitmask', 'csr', 'relative', 'dense'] as const) {
      const { model: pruned } = await compress(model, [nm({ storage: { layout } })], { registry });
      const value = getParam(pruned, 'w').value;
      expect(value.kind === 'sparse' ? value.layout.kind : value.kind).toBe(layout);
    }
  });

  it('streams unless the storage may be dense', () => {
    const streams = (options: Parameters<typeof nm>[0]) => nmHandler.streamsConfig!(nmHandler.validate(nm(options), { step: 1 }));
    expect(streams({})).toBe(true);
    expect(streams({ storage: { layout: 'dense' } })).toBe(false);
    expect(streams({ n: 15, m: 16 })).toBe(false);
    expect(streams({ n: 15, m: 16, storage: { layout: 'bitmask' } })).toBe(true);
  });
});
