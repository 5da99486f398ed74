import { describe, expect, it } from 'vitest';
import { WhittleError } from '../errors.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { cast, castHandler } from './cast.ts';
import { compress } from './compress.ts';
import { createRecipeRegistry } from './registry.ts';
import type { RecipeHandler } from './types.ts';

const model = modelFromTensors({ 'dense/kernel': hostTensor('float32', [2, 2]) });

function needing(seen: unknown[]): RecipeHandler {
  return {
    kind: 'needs.data',
    description: 'a step that reads calibration data',
    effect: 're-encodes-params',
    needs: (config) => [
      {
        name: config.teacher === true ? 'teacher' : 'calibration',
        description: 'input batches',
        check: (value) => {
          if (!Array.isArray(value)) throw new WhittleError('invalid-argument', 'calibration must be an array of batches');
        },
      },
    ],
    validate: (step) => step,
    apply: (input, _config, context) => (seen.push(context.resources), input),
  };
}

describe('compress resources', () => {
  it('names the step and the missing resource before any step runs', async () => {
    const seen: unknown[] = [];
    const registry = createRecipeRegistry([castHandler, needing(seen)]);
    const running = compress(model, [cast('float16'), { kind: 'needs.data' }], { registry });
    await expect(running).rejects.toMatchObject({ code: 'missing-resource', step: 2, field: 'resources.calibration' });
    await expect(running).rejects.toThrow(/needs\.data needs the "calibration" resource \(input batches\)/);
    expect(seen).toEqual([]);
  });

  it("asks for what the step's settings need", async () => {
    const registry = createRecipeRegistry([needing([])]);
    await expect(compress(model, [{ kind: 'needs.data', teacher: true }], { registry, resources: { calibration: [] } })).rejects.toMatchObject({
      code: 'missing-resource',
      field: 'resources.teacher',
    });
  });

  it("refuses a resource of the wrong form with the need's own error, located at the step", async () => {
    const registry = createRecipeRegistry([needing([])]);
    await expect(compress(model, [{ kind: 'needs.data' }], { registry, resources: { calibration: 'mnist' } })).rejects.toMatchObject({
      code: 'invalid-argument',
      step: 1,
      field: 'resources.calibration',
      message: 'step 1: resources.calibration: calibration must be an array of batches',
    });
  });

  it('does not take inherited properties for resources', async () => {
    const registry = createRecipeRegistry([needing([])]);
    const resources = Object.create({ calibration: [] }) as Record<string, unknown>;
    await expect(compress(model, [{ kind: 'needs.data' }], { registry, resources })).rejects.toMatchObject({ code: 'missing-resource' });
  });

  it('passes the resources to every step', async () => {
    const seen: unknown[] = [];
    const calibration = [[1, 2]];
    const registry = createRecipeRegistry([castHandler, needing(seen)]);
    await compress(model, [{ kind: 'needs.data' }, cast('float16')], { registry, resources: { calibration } });
    expect(seen).toEqual([{ calibration }]);
  });
});

describe('handler effects', () => {
  it('refuses a handler that does not say what it does to a model', () => {
    const registry = createRecipeRegistry();
    const { effect: _effect, ...silent } = castHandler;
    expect(() => registry.register(silent as unknown as RecipeHandler)).toThrow(/must say its effect \(re-encodes-params, reshapes-params, rewrites-topology\)/);
    expect(() => registry.register({ ...castHandler, effect: 'shrinks' } as unknown as RecipeHandler)).toThrow(/got "shrinks"/);
  });
});
