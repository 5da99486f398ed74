import type { RecipeStep } from '@whittle/core';
import type { SafetensorsHeader } from '@whittle/core/safetensors';
import { compressSafetensorsFile } from '@whittle/core/fs';
import { notAModel, openSafetensorsModel } from '../model-files/inspect-model.ts';
import { compressReport, gzipByteLength, type CompressReport, type ModelSize } from './compress-report.ts';

/** Options of {@link compressSafetensorsModel}. */
export interface CompressFileOptions {
  /** Replace an existing output (never the input). */
  readonly force: boolean;
  /** Progress notes for stderr. */
  readonly progress: (message: string) => void;
  /** Called after each param is compressed: its name, the params done, and the params in the file. */
  readonly onParam?: (param: string, done: number, total: number) => void;
  /** What steps need besides JSON, by name (calibration data…): see core's `compress`. */
  readonly resources?: Readonly<Record<string, unknown>>;
}

/**
 * Runs a recipe over a safetensors file into another through core's `compressSafetensorsFile`
 * (streamed one param at a time when every step allows it, read whole otherwise, written
 * atomically either way), saying so when the file must be read whole, and naming what to give
 * instead when the input is not a safetensors file. The caller has checked the output
 * (`resolveOutput`).
 *
 * @example
 * ```ts
 * const report = await compressSafetensorsModel('in.safetensors', 'out.safetensors', steps, { force: false, progress: console.error });
 * ```
 */
export async function compressSafetensorsModel(
  input: string,
  output: string,
  steps: readonly RecipeStep[],
  options: CompressFileOptions,
): Promise<CompressReport> {
  const { onParam } = options;
  let result;
  try {
    result = await compressSafetensorsFile(input, output, steps, {
      force: options.force,
      ...(options.resources === undefined ? {} : { resources: options.resources }),
      onPlan: ({ streams, wholeModelKinds }) => {
        if (!streams) options.progress(`the recipe (${wholeModelKinds.join(', ')}) needs the whole model: reading all of ${input} into memory`);
      },
      ...(onParam === undefined ? {} : { onProgress: ({ param, done, total }) => onParam(param, done, total) }),
    });
  } catch (error) {
    throw notAModel(error, input);
  }
  return compressReport(result.input, { ...result.output, gzipBytes: await gzipByteLength([output]) }, result.steps);
}

/**
 * The params and bytes of a safetensors file from its header alone.
 *
 * @example
 * ```ts
 * const { params, bytes } = await headerSize('model.safetensors');
 * ```
 */
export async function headerSize(path: string): Promise<ModelSize> {
  const file = await openSafetensorsModel(path);
  try {
    return sizeOfHeader(file.header);
  } finally {
    await file.close();
  }
}

function sizeOfHeader(header: SafetensorsHeader): ModelSize {
  let params = 0;
  let bytes = 0;
  for (const param of header.params.values()) {
    params += param.shape.reduce((product, dimension) => product * dimension, 1);
    bytes += param.byteLength;
  }
  return { params, bytes };
}
