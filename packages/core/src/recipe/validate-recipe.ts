import { WhittleError, isWhittleError } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import { defaultRegistry } from './default-registry.ts';
import type { RecipeRegistry } from './registry.ts';
import type { Recipe, RecipeStep } from './types.ts';

/**
 * Checks a whole recipe (usually parsed JSON) before anything runs: an array of step objects,
 * each with a string `kind` that `registry` knows, each accepted by its handler's `validate`.
 * Returns the validated configs, in order.
 *
 * Throws a WhittleError naming the step and field: `invalid-recipe` for a malformed recipe or
 * field, `unknown-kind` (listing the known kinds) for a kind no handler is registered for.
 *
 * @example
 * ```ts
 * const steps = validateRecipe([{ kind: 'cast', dtype: 'float16' }]);
 * ```
 */
export function validateRecipe(recipe: unknown, registry: RecipeRegistry = defaultRegistry): RecipeStep[] {
  return checkSteps(recipe, undefined, 'an array of steps').map((step, index) => {
    const handler = registry.get(step.kind);
    if (handler === undefined) {
      const known = registry.kinds();
      throw new WhittleError(
        'unknown-kind',
        `unknown recipe kind ${describeValue(step.kind)}; known kinds: ${known.length === 0 ? 'none' : known.join(', ')}` +
          ' (is the package that provides it imported?)',
        { step: index + 1, field: 'kind' },
      );
    }
    try {
      return handler.validate(step, { step: index + 1 });
    } catch (error) {
      throw locateError(error, index + 1, step.kind);
    }
  });
}

/**
 * Parses recipe JSON (a file's text, a CLI argument) into recipe steps, checking its structure:
 * an array of objects with a string `kind`, or one such object alone (a one-step recipe). Field
 * checks are the handlers' (see {@link validateRecipe}, which `compress` runs). Throws an
 * `invalid-recipe` WhittleError naming `file` for malformed JSON or structure.
 *
 * @example
 * ```ts
 * const recipe = parseRecipe('[{ "kind": "cast", "dtype": "float16" }]', 'recipe.json');
 * parseRecipe('{ "kind": "cast", "dtype": "float16" }'); // the same one-step recipe
 * ```
 */
export function parseRecipe(text: string, file?: string): Recipe {
  if (typeof text !== 'string') {
    throw new WhittleError('invalid-recipe', `expected recipe JSON text, got ${describeValue(text)}`, { file });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WhittleError('invalid-recipe', `recipe is not valid JSON: ${reason}`, { file }, { cause: error });
  }
  const isOneStep = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  return checkSteps(isOneStep ? [parsed] : parsed, file, 'an array of steps or one step');
}

function checkSteps(recipe: unknown, file: string | undefined, expected: string): RecipeStep[] {
  if (!Array.isArray(recipe)) {
    throw new WhittleError('invalid-recipe', `a recipe must be ${expected}, got ${describeValue(recipe)}`, { file });
  }
  // Array.from visits holes (as undefined), where map would skip them.
  return Array.from(recipe as unknown[], (step, index) => {
    if (typeof step !== 'object' || step === null || Array.isArray(step)) {
      throw new WhittleError('invalid-recipe', `a step must be an object with a kind, got ${describeValue(step)}`, {
        file,
        step: index + 1,
      });
    }
    const { kind } = step as { kind?: unknown };
    if (typeof kind !== 'string' || !Object.hasOwn(step, 'kind')) {
      throw new WhittleError('invalid-recipe', `a step needs a string kind, got ${describeValue(kind)}`, {
        file,
        step: index + 1,
        field: 'kind',
      });
    }
    return step as RecipeStep;
  });
}

/** Makes sure a handler's error names its step and is a WhittleError, whoever wrote the handler. */
function locateError(error: unknown, step: number, kind: string): WhittleError {
  if (isWhittleError(error)) {
    if (error.step !== undefined) return error;
    return new WhittleError(error.code, bareMessage(error), { field: error.field, file: error.file, step }, { cause: error });
  }
  // A handler that throws something else on bad input has a bug, but the user still needs to
  // know which step to fix; the original stays as the cause.
  const reason = error instanceof Error ? error.message : describeValue(error);
  return new WhittleError('invalid-recipe', `the ${kind} handler rejected this step: ${reason}`, { step }, { cause: error });
}

/** A WhittleError's message without the location prefix its constructor added. */
function bareMessage(error: WhittleError): string {
  const prefix = [error.file, error.step === undefined ? undefined : `step ${error.step}`, error.field]
    .filter((part) => part !== undefined)
    .join(': ');
  return prefix !== '' && error.message.startsWith(`${prefix}: `) ? error.message.slice(prefix.length + 2) : error.message;
}
