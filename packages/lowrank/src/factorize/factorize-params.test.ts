import * as tf from '@tensorflow/tfjs-core';
import {
  WhittleError,
  compress,
  createModel,
  createRecipeRegistry,
  decodeToFloat32,
  denseEncoding,
  estimate,
  hostTensor,
  type Model,
  type Param,
  type ParamRole,
} from '@whittle/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { lowRankSvdHandler } from './factorize-step.ts';
import { matrixProduct, paramValues, randomValues, relativeError } from './factorize-models.test-support.ts';

const registry = createRecipeRegistry([lowRankSvdHandler]);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A matrix of `rows × columns` with a decaying spectrum: Σ_k 2^-k·x_k·y_kᵀ, plus noise. */
function decayingMatrix(rows: number, columns: number, seed: number): Float32Array {
  const result = new Float32Array(rows * columns);
  const terms = Math.min(rows, columns);
  for (let k = 0; k < terms; k++) {
    const x = randomValues(rows, seed * 31 + k);
    const y = randomValues(columns, seed * 37 + k + 1000);
    const weight = 0.7 ** k;
    for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) result[i * columns + j]! += weight * x[i]! * y[j]!;
  }
  return result;
}

interface ParamCase {
  readonly name: string;
  readonly role: ParamRole;
  readonly shape: readonly number[];
}

const paramCase = fc.oneof(
  fc.record({ rows: fc.integer({ min: 2, max: 24 }), columns: fc.integer({ min: 2, max: 24 }) }).map(({ rows, columns }) => ({ role: 'linear-weight' as const, shape: [rows, columns] })),
  fc.record({ rows: fc.integer({ min: 2, max: 30 }), columns: fc.integer({ min: 2, max: 12 }) }).map(({ rows, columns }) => ({ role: 'embedding' as const, shape: [rows, columns] })),
  fc.record({ size: fc.integer({ min: 1, max: 3 }), input: fc.integer({ min: 1, max: 4 }), output: fc.integer({ min: 2, max: 10 }) }).map(({ size, input, output }) => ({
    role: 'conv2d-kernel' as const,
    shape: [size, size, input, output],
  })),
);

function checkpoint(cases: readonly ParamCase[], seed: number): Model {
  const params: Param[] = [];
  cases.forEach((entry, index) => {
    const rows = entry.shape.slice(0, -1).reduce((product, size) => product * size, 1);
    const columns = entry.shape[entry.shape.length - 1]!;
    params.push({ ...entry, shape: [...entry.shape], value: denseEncoding(hostTensor('float32', [...entry.shape], decayingMatrix(rows, columns, seed + index))) });
    params.push({ name: `${entry.name}.bias`, role: 'bias', shape: [columns], value: denseEncoding(hostTensor('float32', [columns], randomValues(columns, seed + 500 + index))) });
  });
  return createModel({ format: 'safetensors', topology: null, params });
}

const criterion = fc.oneof(
  fc.integer({ min: 1, max: 8 }).map((rank) => ({ rank })),
  fc.double({ min: 0.3, max: 1, noNaN: true }).map((energy) => ({ energy })),
  fc.double({ min: 0.01, max: 0.9, noNaN: true }).map((tolerance) => ({ tolerance })),
  fc.record({ budget: fc.double({ min: 0.3, max: 0.95, noNaN: true }), budgetScope: fc.constantFrom('model', 'layer') }),
);

describe('lowrank.svd with rewrite: false', () => {
  test('each param is stored as factors meeting its criterion, or left whole where factors would not be smaller', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(paramCase, { minLength: 1, maxLength: 4 }), criterion, fc.integer({ min: 1, max: 500 }), async (drawn, chosen, seed) => {
        const cases = drawn.map((entry, index) => ({ ...entry, name: `layer${index}.weight` }));
        const model = checkpoint(cases, seed);
        const step = { kind: 'lowrank.svd', rewrite: false, ...chosen };
        let result;
        try {
          result = await compress(model, [step], { registry });
        } catch (error) {
          // Only a budget too small to give some matrix a rank may refuse: keeping it whole would break the budget.
          expect(error).toBeInstanceOf(WhittleError);
          expect((error as WhittleError).field).toBe('budget');
          return;
        }
        const { model: factorized, steps } = result;
        let before = 0;
        let after = 0;
        for (const entry of cases) {
          const rows = entry.shape.slice(0, -1).reduce((product, size) => product * size, 1);
          const columns = entry.shape[entry.shape.length - 1]!;
          const original = paramValues(model, entry.name);
          const param = factorized.params.get(entry.name)!;
          expect(param.shape).toEqual(entry.shape);
          before += rows * columns;
          if (param.value.kind !== 'lowrank') {
            expect(paramValues(factorized, entry.name)).toEqual(original);
            expect(steps[0]!.notes.some((note) => note.startsWith(`${entry.name}: left alone`))).toBe(true);
            after += rows * columns;
            continue;
          }
          const left = decodeToFloat32(param.value.left);
          const right = decodeToFloat32(param.value.right);
          const rank = left.shape[1]!;
          expect(left.shape).toEqual([rows, rank]);
          expect(right.shape).toEqual([rank, columns]);
          expect(rank * (rows + columns)).toBeLessThan(rows * columns);
          after += rank * (rows + columns);
          const error = relativeError(original, matrixProduct(left.data, right.data, rows, rank, columns));
          if ('rank' in chosen) expect(rank).toBe(Math.min(chosen.rank, rows, columns));
          if ('energy' in chosen) expect(1 - error ** 2).toBeGreaterThanOrEqual(chosen.energy - 1e-5);
          if ('tolerance' in chosen) expect(error).toBeLessThanOrEqual(chosen.tolerance + 1e-5);
          if ('budget' in chosen && chosen.budgetScope === 'layer') expect(rank * (rows + columns)).toBeLessThanOrEqual(chosen.budget * rows * columns);
        }
        if ('budget' in chosen) expect(after).toBeLessThanOrEqual(chosen.budget * before + 1e-9);
        // The biases were never selected.
        for (const entry of cases) expect(factorized.params.get(`${entry.name}.bias`)!.value.kind).toBe('dense');
      }),
      { numRuns: 40 },
    );
  });

  test('estimate gives the params and bytes compress leaves, for rank and both budget scopes', async () => {
    const cases = [
      { name: 'a.weight', role: 'linear-weight' as const, shape: [24, 16] },
      { name: 'b.weight', role: 'embedding' as const, shape: [30, 8] },
      { name: 'c.weight', role: 'conv2d-kernel' as const, shape: [3, 3, 4, 10] },
      { name: 'd.weight', role: 'linear-weight' as const, shape: [6, 5] },
    ];
    const model = checkpoint(cases, 11);
    for (const settings of [{ rank: 3 }, { budget: 0.4 }, { budget: 0.4, budgetScope: 'layer' }, { tolerance: 0.2 }]) {
      const step = { kind: 'lowrank.svd', rewrite: false, ...settings };
      const { steps } = await compress(model, [step], { registry });
      expect(estimate(model, step, { registry })).toEqual({ params: steps[0]!.paramsAfter, bytes: steps[0]!.bytesAfter });
      expect(steps[0]!.bytesAfter).toBeLessThan(steps[0]!.bytesBefore);
    }
  });

  test('randomized factors of a decaying matrix are within 1% of the exact rank-r error', async () => {
    const model = checkpoint([{ name: 'w', role: 'linear-weight', shape: [60, 40] }], 3);
    const original = paramValues(model, 'w');
    const errors: number[] = [];
    for (const method of ['exact', 'randomized']) {
      const { model: factorized } = await compress(model, [{ kind: 'lowrank.svd', rank: 6, rewrite: false, method, seed: method === 'randomized' ? 5 : undefined }], { registry });
      const value = factorized.params.get('w')!.value;
      if (value.kind !== 'lowrank') throw new Error('not factorized');
      errors.push(relativeError(original, matrixProduct(decodeToFloat32(value.left).data, decodeToFloat32(value.right).data, 60, 6, 40)));
    }
    expect(errors[1]!).toBeLessThanOrEqual(errors[0]! * 1.01);
  });

  test('hostile params and models: typed errors naming the param or field, the input model unchanged', async () => {
    const values = decayingMatrix(8, 6, 1);
    values[13] = Number.NaN;
    const model = createModel({
      format: 'safetensors',
      topology: null,
      params: [{ name: 'w', role: 'linear-weight', shape: [8, 6], value: denseEncoding(hostTensor('float32', [8, 6], values)) }],
    });
    const nan = await compress(model, [{ kind: 'lowrank.svd', rank: 2 }], { registry }).catch((error: unknown) => error);
    expect(nan).toBeInstanceOf(WhittleError);
    expect((nan as WhittleError).message).toMatch(/param "w"/);
    expect((nan as WhittleError).field).toBe('params["w"].values[13]');
    expect(Number.isNaN(paramValues(model, 'w')[13])).toBe(true);

    const rewrite = await compress(model, [{ kind: 'lowrank.svd', rank: 2, rewrite: true }], { registry }).catch((error: unknown) => error);
    expect(rewrite).toBeInstanceOf(WhittleError);
    expect((rewrite as WhittleError).field).toBe('rewrite');
    expect(() => estimate(model, { kind: 'lowrank.svd', rank: 2, rewrite: true }, { registry })).toThrow(/a safetensors model takes rewrite: false/);

    const tiny = checkpoint([{ name: 'w', role: 'linear-weight', shape: [400, 400] }, { name: 'v', role: 'linear-weight', shape: [2, 2] }], 2);
    const budget = await compress(tiny, [{ kind: 'lowrank.svd', budget: 0.001, budgetScope: 'layer' }], { registry }).catch((error: unknown) => error);
    expect((budget as WhittleError).field).toBe('budget');

    const selectsNothing = await compress(tiny, [{ kind: 'lowrank.svd', rank: 2, include: ['encoder/*'] }], { registry }).catch((error: unknown) => error);
    expect((selectsNothing as WhittleError).field).toBe('include[0]');
  });

  test('already-factorized, integer and rank-1 params are noted and left alone', async () => {
    const model = createModel({
      format: 'safetensors',
      topology: null,
      params: [
        { name: 'ids', role: 'other', shape: [4, 4], value: denseEncoding(hostTensor('int32', [4, 4], new Int32Array(16).fill(1))) },
        { name: 'scale', role: 'other', shape: [6], value: denseEncoding(hostTensor('float32', [6], randomValues(6, 1))) },
        { name: 'w', role: 'linear-weight', shape: [12, 10], value: denseEncoding(hostTensor('float32', [12, 10], decayingMatrix(12, 10, 1))) },
      ],
    });
    const first = await compress(model, [{ kind: 'lowrank.svd', rank: 2, roles: ['other', 'linear-weight'] }], { registry });
    expect(first.steps[0]!.notes).toEqual(['ids: left alone: it holds int32 values', 'scale: left alone: it has rank 1']);
    const second = await compress(first.model, [{ kind: 'lowrank.svd', rank: 1 }], { registry });
    expect(second.steps[0]!.notes).toEqual(['w: left alone: it is already lowrank-encoded']);
  });
});
