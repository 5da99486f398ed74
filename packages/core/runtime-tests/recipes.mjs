import { cast, compress, compareModels, modelFromTensors, hostTensor, isWhittleError, parseRecipe, validateRecipe } from '../dist/index.js';
import { assert, test } from './harness.mjs';

const model = modelFromTensors({
  'dense/kernel': hostTensor('float32', [8, 4], Float32Array.from({ length: 32 }, (_, index) => Math.cos(index))),
  'dense/bias': hostTensor('float32', [4], new Float32Array([0.1, 0.2, 0.3, 0.4])),
});

test('compress runs a JSON recipe and reports bytes per step', async () => {
  const recipe = parseRecipe(JSON.stringify([cast('float16')]));
  const { model: result, steps } = await compress(model, recipe);
  assert(steps.length === 1 && steps[0].kind === 'cast', 'one cast step');
  assert(steps[0].bytesBefore === 36 * 4, `bytes before ${steps[0].bytesBefore}`);
  // The kernel is stored in float16; the bias stays float32 by default.
  assert(steps[0].bytesAfter === 32 * 2 + 4 * 4, `bytes after ${steps[0].bytesAfter}`);
  const comparison = compareModels(model, result);
  assert(comparison.rows.every((row) => row.sqnr > 60), 'float16 keeps more than 60 dB');
});

test('unknown kinds and bad fields are rejected before any step runs', () => {
  for (const recipe of [[{ kind: 'nope' }], [{ kind: 'cast', dtype: 'int3' }], [{ kind: 'cast', dtype: 'float16', colour: 1 }], {}]) {
    try {
      validateRecipe(recipe);
      throw new Error(`accepted ${JSON.stringify(recipe)}`);
    } catch (error) {
      assert(isWhittleError(error), `typed error for ${JSON.stringify(recipe)}: ${error}`);
    }
  }
});
