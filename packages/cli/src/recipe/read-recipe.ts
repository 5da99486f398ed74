import { parseRecipe, validateRecipe, type RecipeStep } from '@whittle/core';
import { fileError } from '@whittle/core/fs';
import { readFile } from 'node:fs/promises';
import { inFile } from './located-error.ts';

/** The name errors give a recipe written inline on the command line. */
export const INLINE_RECIPE = '--recipe';

/** A recipe read and checked, with where it came from. */
export interface LoadedRecipe {
  /** A file path, or {@link INLINE_RECIPE}. */
  readonly source: string;
  /** The steps as written (every one already validated), in order. */
  readonly steps: readonly RecipeStep[];
}

/**
 * Reads the `--recipe` value: inline JSON when it starts with `[` (`'[{"kind":"cast","dtype":"float16"}]'`),
 * else the path of a JSON file. Parses and validates every step against core's default
 * registry before any model is read, so a typo fails in a moment. Errors name the file (or
 * `--recipe`), the step and the field.
 *
 * @example
 * ```ts
 * const { steps } = await readRecipe('recipes/int8.json');
 * ```
 */
export async function readRecipe(value: string): Promise<LoadedRecipe> {
  const inline = value.trimStart().startsWith('[');
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
