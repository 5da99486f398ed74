import { byteLength, compress, isWhittleError, locateError, type SafetensorsHeader, createModel, encodingParamCount, isPerParamRecipe, type Model, type Param, type RecipeStep } from '@whittle/core';
import { openSafetensorsFile, transformSafetensorsFile, writeSafetensorsFile, type SafetensorsFile } from '@whittle/core/fs';
import { compressReport, sizeOf, type CompressedStep, type CompressReport, type ModelSize } from './compress-report.ts';
import { notAModel, openSafetensorsModel } from '../model-files/inspect-model.ts';
import { checkHeaderSelection } from './streamed-selection.ts';
import { compressParam, compressRows, figuresOf, type CompressedFigures } from './per-param-recipe.ts';

/** Options of {@link compressSafetensorsFile}. */
export interface CompressFileOptions {
  /** Replace an existing output (never the input). */
  readonly force: boolean;
  /** Progress notes for stderr. */
  readonly progress: (message: string) => void;
  /** Called after each param is compressed: its name, the params done, and the params in the file. */
  readonly onParam?: (param: string, done: number, total: number) => void;
  /** What steps need besides JSON (calibration data), passed to `compress`. */
  readonly resources?: Readonly<Record<string, unknown>>;
}

/**
 * Runs a recipe over a safetensors file into another. When every step encodes params one at a
 * time (see `isPerParamRecipe`), the file streams through `transformSafetensorsFile`: one param
 * read, compressed, written and dropped at a time, so memory holds about one param whatever the
 * file's size. Otherwise (a step that looks at the whole model) the whole file is read, the
 * recipe run, and the result written. Either way `__metadata__` is kept and the output is written
 * atomically. The caller has checked the output (`resolveOutput`).
 *
 * @example
 * ```ts
 * const report = await compressSafetensorsFile('in.safetensors', 'out.safetensors', steps, { force: false, progress: console.error });
 * ```
 */
export async function compressSafetensorsFile(
  input: string,
  output: string,
  steps: readonly RecipeStep[],
  options: CompressFileOptions,
): Promise<CompressReport> {
  if (!isPerParamRecipe(steps)) {
    const wholeModelKinds = [...new Set(steps.map(({ kind }) => kind))].join(', ');
    options.progress(`the recipe (${wholeModelKinds}) needs the whole model: reading all of ${input} into memory`);
    return compressWholeFile(input, output, steps, options);
  }
  let inputSize: ModelSize = { params: 0, bytes: 0 };
  const totals: Array<{ kind: string; bytes: number; seconds: number }> = steps.map(({ kind }) => ({ kind, bytes: 0, seconds: 0 }));
  let params = 0;
  let bytes = 0;
  let total = 0;
  let done = 0;
  const paramDone = (name: string): void => options.onParam?.(name, ++done, total);
  const record = (result: CompressedFigures): void => {
    result.steps.forEach((step, index) => {
      // Each step's bytes after it, summed over params (or blocks of one), are the file's bytes after it.
      totals[index]!.bytes += step.bytesAfter;
      totals[index]!.seconds += step.seconds;
    });
    params += result.params;
    bytes += result.bytes;
  };
  const transform = transformSafetensorsFile(
    input,
    output,
    async (param) => {
      const result = await compressParam(param, steps);
      record(figuresOf(result));
      paramDone(param.name);
      return result.param;
    },
    {
      force: options.force,
      // A huge tensor goes through in blocks of rows where the recipe allows, so memory holds a block.
      streamTensor: async (tensor) => {
        const streamed = await compressRows(tensor, steps, (results) => results.forEach(record));
        if (streamed !== undefined) paramDone(tensor.name);
        return streamed;
      },
      // The header is read once, for the rewrite and the report.
      onHeader: (header) => {
        // Before any output is written: a filter that selects nothing is the recipe's mistake.
        checkHeaderSelection(header, steps);
        inputSize = sizeOfHeader(header);
        total = header.params.size;
      },
    },
  );
  await transform.catch((error: unknown) => {
    throw notAModel(error, input);
  });
  const report = compressReport(inputSize, { params, bytes }, []);
  return { ...report, steps: totals satisfies CompressedStep[] };
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

/**
 * Reads a whole safetensors file as a model, with its `__metadata__` (which the model does not
 * hold) for writing back.
 *
 * @example
 * ```ts
 * const { model, metadata } = await readSafetensorsWithMetadata('model.safetensors');
 * ```
 */
export async function readSafetensorsWithMetadata(path: string): Promise<{ model: Model; metadata: Readonly<Record<string, string>> }> {
  const file: SafetensorsFile = await openSafetensorsModel(path);
  try {
    const params: Param[] = [];
    for await (const param of file.params()) params.push(param);
    return { model: createModel({ format: 'safetensors', topology: null, params }), metadata: file.header.metadata };
  } finally {
    await file.close();
  }
}

async function compressWholeFile(input: string, output: string, steps: readonly RecipeStep[], options: CompressFileOptions): Promise<CompressReport> {
  const { model, metadata } = await readSafetensorsWithMetadata(input);
  let result;
  try {
    result = await compress(model, steps, {
      ...(options.resources === undefined ? {} : { resources: options.resources }),
      ...(options.onParam === undefined ? {} : { onProgress: ({ param, done, total }) => options.onParam!(param, done, total) }),
    });
  } catch (error) {
    // A step's error names the param and field; the user also needs the file. A recipe's own
    // mistake is named after the recipe instead (by the command).
    throw isWhittleError(error, 'invalid-recipe') ? error : locateError(error, { file: input });
  }
  await writeSafetensorsFile(output, result.model, { force: options.force, metadata });
  return compressReport(sizeOf(model), sizeOf(result.model), result.steps);
}
