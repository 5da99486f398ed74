import { compress, isWhittleError, locateError, type CompressProgress, type RecipeStep, type StepReport } from '@whittle/core';
import { readTfjsModelFile, writeTfjsModelFiles } from '@whittle/core/fs';
import type { TfjsLocation } from '../model-files/tfjs-format.ts';
import { compressReport, gzipByteLength, sizeOf, type CompressReport } from './compress-report.ts';

/** Options of {@link compressTfjsModel}. */
export interface CompressTfjsOptions {
  readonly force: boolean;
  /** Bytes per weight shard of the output; default 4 MiB, as tfjs-converter. */
  readonly shardBytes?: number;
  /** Called after each step with core's figures, for progress output. */
  readonly onStep?: (report: StepReport) => void;
  /** Called after each param a step finishes, for a progress bar. */
  readonly onProgress?: (progress: CompressProgress) => void;
  /** What steps need besides JSON, by name (see core's `compress`). */
  readonly resources?: Readonly<Record<string, unknown>>;
}

/**
 * Reads TFJS artifacts, runs a recipe on them through core's `compress`, and writes the result
 * as TFJS artifacts into `output` (stock weights where tfjs has a stock form, so plain
 * `tf.loadLayersModel` loads them; whittle's own form otherwise). The caller has checked the
 * output (`resolveOutput`); the writer checks again that it is not the input.
 *
 * @example
 * ```ts
 * const report = await compressTfjsModel(location, 'out', [{ kind: 'cast', dtype: 'float16' }], { force: false });
 * ```
 */
export async function compressTfjsModel(
  location: TfjsLocation,
  output: string,
  steps: readonly RecipeStep[],
  options: CompressTfjsOptions,
): Promise<CompressReport> {
  const model = await readTfjsModelFile(location.modelJson);
  let result;
  try {
    result = await compress(model, steps, {
      ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.resources === undefined ? {} : { resources: options.resources }),
    });
  } catch (error) {
    // A step's error (NaN weights, say) names the param and field; the user also needs the
    // model.json. A recipe's own mistake is named after the recipe instead (by the command).
    throw isWhittleError(error, 'invalid-recipe') ? error : locateError(error, { file: location.modelJson });
  }
  const written = await writeTfjsModelFiles(result.model, output, {
    force: options.force,
    inputs: [location.directory, location.modelJson],
    ...(options.shardBytes === undefined ? {} : { shardBytes: options.shardBytes }),
  });
  const gzipBytes = await gzipByteLength([written.modelJson, ...written.shards]);
  return compressReport(sizeOf(model), { ...sizeOf(result.model), gzipBytes }, result.steps);
}
