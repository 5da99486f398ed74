import { WhittleError } from '@whittle/core';
import { assertSafeOutput, exists } from '@whittle/core/fs';
import { formatOf, type ModelLocation } from './model-format.ts';

/**
 * Checks and resolves `-o` for a model read from `location`, before any work is done: a TFJS
 * model is written as a directory (model.json plus shards), so a `.json` or `.safetensors` name
 * is refused; a safetensors model is written as a file, inside `output` when that is an existing
 * directory (under the input's file name). Refuses, whatever `force` says, an output that is the
 * input, under any spelling, link or hard link (core's `assertSafeOutput`); refuses without
 * `force` an output inside or over a TFJS input's directory, where its shards are, and one that
 * exists already. A safetensors output beside its input (`model-f16.safetensors` next to
 * `model.safetensors`) is fine. Returns the path to write (a directory for TFJS, a file for
 * safetensors).
 *
 * @example
 * ```ts
 * const target = await resolveOutput(await locateModel('in/model.json'), 'out', { force: false }); // 'out'
 * ```
 */
export async function resolveOutput(location: ModelLocation, output: string, options: { readonly force: boolean }): Promise<string> {
  const format = formatOf(location);
  const { target, existing } = await format.outputPath(location, output);
  await assertSafeOutput(format.inputs(location), target, options);
  if (!options.force && (await exists(existing))) {
    throw new WhittleError('invalid-argument', 'the output exists already; pass --force to replace it', { file: existing });
  }
  return target;
}
