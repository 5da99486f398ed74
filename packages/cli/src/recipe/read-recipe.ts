import { parseRecipe, validateRecipe, WhittleError, type RecipeStep } from '@whittle/core';
import { fileError } from '@whittle/core/fs';
import { readFile } from 'node:fs/promises';
import { inFile } from './located-error.ts';
import { findPreset, RECIPE_PRESET_NAMES } from './presets.ts';

/** The name errors give a recipe written inline on the command line. */
export const INLINE_RECIPE = '--recipe';

/** A recipe read and checked, with where it came from. */
export interface LoadedRecipe {
  /** A file path, {@link INLINE_RECIPE}, or `--preset NAME`. */
  readonly source: string;
  /** The steps as written (every one already validated), in order. */
  readonly steps: readonly RecipeStep[];
}

/**
 * Reads the `--recipe` value: inline JSON when it starts with `[` or `{` (an array of steps,
 * `'[{"kind":"cast","dtype":"float16"}]'`, or one step alone, `'{"kind":"cast","dtype":"float16"}'`),
 * else the path of a JSON file holding either. Parses and validates every step against core's
 * default registry before any model is read, so a typo fails in a moment. Errors name the file
 * (or `--recipe`), the step (counting from 1) and the field.
 *
 * @example
 * ```ts
 * const { steps } = await readRecipe('recipes/int8.json');
 * ```
 */
export async function readRecipe(value: string): Promise<LoadedRecipe> {
  const start = value.trimStart()[0];
  const inline = start === '[' || start === '{';
  const source = inline ? INLINE_RECIPE : value;
  let text = value;
  if (!inline) {
    try {
      text = await readFile(value, 'utf8');
    } catch (error) {
      throw fileError(value, 'cannot read the recipe', error);
    }
  }
  try {
    const steps = parseRecipe(text, source);
    // compress validates again; this run only fails early, before a large model is read.
    validateRecipe(steps);
    return { source, steps };
  } catch (error) {
    throw inFile(error, source);
  }
}

/**
 * The recipe of a `--preset`, validated like any other (so a preset whose kinds are not
 * registered fails before a model is read).
 *
 * @example
 * ```ts
 * const { steps } = presetRecipe('int4-g32');
 * ```
 */
export function presetRecipe(name: string): LoadedRecipe {
  const preset = findPreset(name);
  if (preset === undefined) {
    throw new WhittleError('invalid-argument', `unknown preset ${JSON.stringify(name)}; presets: ${RECIPE_PRESET_NAMES.join(', ')}`, {
      field: '--preset',
    });
  }
  const source = `--preset ${name}`;
  try {
    validateRecipe(preset.recipe);
  } catch (error) {
    throw inFile(error, source);
  }
  return { source, steps: preset.recipe };
}
