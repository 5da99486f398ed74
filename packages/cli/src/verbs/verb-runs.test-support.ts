/**
 * Test support for the one-step verbs: the example model, a verb run beside the `compress
 * --recipe` run it stands for, and every byte each wrote.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runRecorded, type CliRun } from '../test-io.ts';

/** The repository's `examples/` folder: a trained 784 → 64 → 10 MNIST MLP, as TFJS and safetensors. */
export const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

/** The example MLP's TFJS directory. */
export const EXAMPLE_MLP = join(EXAMPLES, 'mlp');

/** The example MLP as one safetensors file. */
export const EXAMPLE_SAFETENSORS = join(EXAMPLES, 'mlp.safetensors');

/** Every file of an output (a TFJS directory or one file), by name. */
export async function outputBytes(path: string): Promise<Map<string, Buffer>> {
  if (path.endsWith('.safetensors')) return new Map([['file', await readFile(path)]]);
  const names = (await readdir(path)).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(path, name))] as const)));
}

/** A fresh temporary directory, and its removal. */
export async function temporaryDirectory(prefix: string): Promise<{ readonly path: string; readonly remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Runs `whittle <verb> <input> ...flags -o A --json` and `whittle compress <input> --recipe
 * <recipe> -o B --json`, and expects the same report (times aside) and the same bytes.
 */
export async function expectSameAsRecipe(
  directory: string,
  input: string,
  verb: readonly string[],
  recipe: string,
  suffix = '',
): Promise<CliRun> {
  const name = verb.join('_').replace(/[^a-z0-9]+/gi, '-');
  const byVerb = join(directory, `${name}-verb${suffix}`);
  const byRecipe = join(directory, `${name}-recipe${suffix}`);
  const verbRun = await runRecorded(verb[0]!, input, ...verb.slice(1), '-o', byVerb, '--json', '--quiet');
  const recipeRun = await runRecorded('compress', input, '--recipe', recipe, '-o', byRecipe, '--json', '--quiet');
  expect(verbRun.status, verbRun.err).toBe(0);
  expect(recipeRun.status, recipeRun.err).toBe(0);
  const report = (text: string) => JSON.parse(text, (key, value) => (key === 'seconds' ? 0 : value));
  expect(report(verbRun.out)).toEqual(report(recipeRun.out));
  expect(await outputBytes(byVerb)).toEqual(await outputBytes(byRecipe));
  return verbRun;
}
