import { isWhittleError, locateError } from '../errors.ts';
import type { Model, Param } from '../model/types.ts';
import { createModel } from '../model/create-model.ts';
import { countParams, modelByteLength } from '../model/model-queries.ts';
import { compress } from '../recipe/compress.ts';
import {
  checkPreparedSelection,
  preparedParamEncoder,
  PreparedTally,
  prepareRecipe,
  type ParamSize,
  type PreparedRecipe,
} from '../recipe/prepared-recipe.ts';
import type { RecipeRegistry } from '../recipe/registry.ts';
import type { StepReport } from '../recipe/types.ts';
import { safetensorsRoleAt } from '../formats/safetensors/header-columns.ts';
import type { WriteOptions } from './atomic-file.ts';
import { openSafetensorsFile, writeSafetensorsFile } from './safetensors-file.ts';
import { encodeRowBlocks, ROW_STREAM_THRESHOLD, type RowBlockSizes } from './safetensors-row-encoder.ts';
import { transformSafetensorsFile } from './safetensors-transform.ts';

/** Options of {@link compressSafetensorsFile}. */
export interface CompressSafetensorsOptions extends WriteOptions {
  /** Where the recipe's kinds are looked up; default: core's default registry. */
  readonly registry?: RecipeRegistry;
  /** What steps need besides JSON, by name (see `compress`). */
  readonly resources?: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
  /** Called once the recipe is checked, before any param is read: whether the file streams. */
  readonly onPlan?: (plan: { readonly streams: boolean; readonly wholeModelKinds: readonly string[] }) => void;
  /** Called after each param of the file is done (streamed), or each param a step finishes (whole). */
  readonly onProgress?: (progress: { readonly param: string; readonly done: number; readonly total: number }) => void;
  /** `__metadata__` of the output; default: the input's (whittle's own entries are rewritten). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** When a large plain tensor is encoded in blocks of rows (defaults: over 64 MiB, blocks of 16 MiB). */
  readonly rowBlocks?: RowBlockSizes;
}

/** What {@link compressSafetensorsFile} did. */
export interface CompressSafetensorsResult {
  /** Params and bytes of the input, and of the output. */
  readonly input: ParamSize;
  readonly output: ParamSize;
  /** One report per step, summed over the file's params when streamed. */
  readonly steps: readonly StepReport[];
  /** True when the file went through one param (or block of rows) at a time. */
  readonly streamed: boolean;
  /** How many tensors went through in blocks of rows. */
  readonly rowBlocked: number;
}

/**
 * Runs a recipe over a safetensors file into another. The recipe is validated, its resources
 * checked and its filters compiled once; when every step streams (per-param handlers whose
 * settings allow it), each step's selection is checked against the whole header once, before any
 * output is written, and then each param is read, re-encoded by the steps that select it, written
 * and dropped: memory holds about one param, and a tensor over `rowBlocks.threshold` goes
 * through in blocks of rows where its encoding allows and no step needs whole tensors
 * (`RecipeHandler.wholeTensors`). Otherwise the whole file is read, run
 * through `compress`, and written. Either way the output equals what `compress` and
 * `writeSafetensorsFile` make of the whole model (the streamed header is padded with spaces to
 * the room reserved for it), `__metadata__` is kept, and the output is written atomically and
 * never over the input (an existing one needs `force`).
 *
 * @example
 * ```ts
 * const { steps } = await compressSafetensorsFile('model.safetensors', 'model-f16.safetensors', [{ kind: 'cast', dtype: 'float16' }]);
 * ```
 */
export async function compressSafetensorsFile(
  input: string,
  output: string,
  recipe: unknown,
  options: CompressSafetensorsOptions = {},
): Promise<CompressSafetensorsResult> {
  const prepared = prepareRecipe(recipe, {
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.resources === undefined ? {} : { resources: options.resources }),
  });
  options.onPlan?.({ streams: prepared.streams, wholeModelKinds: prepared.wholeModelKinds });
  return prepared.streams ? compressStreamed(input, output, prepared, options) : compressWhole(input, output, prepared, options);
}

async function compressStreamed(
  input: string,
  output: string,
  prepared: PreparedRecipe,
  options: CompressSafetensorsOptions,
): Promise<CompressSafetensorsResult> {
  const { signal, onProgress } = options;
  const stepCount = prepared.steps.length;
  // The file's params and bytes before each step (the last entry: the output), and each step's seconds.
  const tally = new PreparedTally(stepCount);
  const encodeOptions = signal === undefined ? {} : { signal };
  const encode = preparedParamEncoder(prepared, tally, encodeOptions);
  let total = 0;
  let done = 0;
  let rowBlocked = 0;
  await transformSafetensorsFile(
    input,
    output,
    onProgress === undefined
      ? encode
      : (param) => {
          const result = encode(param);
          if (result instanceof Promise) {
            return result.then((encoded) => {
              onProgress({ param: param.name, done: ++done, total });
              return encoded;
            });
          }
          onProgress({ param: param.name, done: ++done, total });
          return result;
        },
    {
      ...(options.force === undefined ? {} : { force: options.force }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      // encodeRowBlocks encodes only tensors over the threshold in blocks; smaller ones are not offered.
      // A step that must see whole tensors turns blocks of rows off for the whole recipe.
      streamTensorOver: prepared.steps.some((step) => step.handler.wholeTensors === true)
        ? Number.POSITIVE_INFINITY
        : (options.rowBlocks?.threshold ?? ROW_STREAM_THRESHOLD),
      streamTensor: async (tensor) => {
        const streamed = await encodeRowBlocks(
          tensor,
          async (block) => {
            // A block's figures count only once the whole tensor has gone through in blocks.
            const figures = new PreparedTally(stepCount);
            const encoded = await preparedParamEncoder(prepared, figures, encodeOptions)(block);
            return { encoding: encoded.value, figures };
          },
          (figures) => {
            for (const figure of figures) tally.add(figure);
          },
          options.rowBlocks,
        );
        if (streamed === undefined) return undefined;
        rowBlocked++;
        onProgress?.({ param: tensor.name, done: ++done, total });
        return streamed;
      },
      onHeader: (header) => {
        // Before any output is written: a filter that selects nothing is the recipe's mistake.
        const { columns } = header;
        checkPreparedSelection(prepared, {
          count: columns.count,
          nameAt: (index) => columns.name(index),
          roleAt: (index) => safetensorsRoleAt(header, index),
        });
        total = columns.count;
      },
    },
  );
  const { params, bytes, seconds } = tally;
  const steps = prepared.steps.map(
    ({ config, notes }, index): StepReport => ({
      kind: config.kind,
      paramsBefore: params[index]!,
      paramsAfter: params[index + 1]!,
      bytesBefore: bytes[index]!,
      bytesAfter: bytes[index + 1]!,
      seconds: seconds[index]!,
      notes: [...notes],
    }),
  );
  return {
    input: { params: params[0]!, bytes: bytes[0]! },
    output: { params: params[stepCount]!, bytes: bytes[stepCount]! },
    steps,
    streamed: true,
    rowBlocked,
  };
}

async function compressWhole(
  input: string,
  output: string,
  prepared: PreparedRecipe,
  options: CompressSafetensorsOptions,
): Promise<CompressSafetensorsResult> {
  const { model, metadata } = await readWithMetadata(input);
  let result;
  try {
    result = await compress(
      model,
      prepared.steps.map((step) => step.config),
      {
        resources: prepared.resources,
        ...(options.registry === undefined ? {} : { registry: options.registry }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onProgress === undefined
          ? {}
          : { onProgress: ({ param, done, total }) => options.onProgress!({ param, done, total }) }),
      },
    );
  } catch (error) {
    // A step's error names the param and field; the user also needs the file. A recipe's own
    // mistake is the recipe's, not the file's.
    throw isWhittleError(error, 'invalid-recipe') ? error : locateError(error, { file: input });
  }
  await writeSafetensorsFile(output, result.model, {
    metadata: options.metadata ?? metadata,
    ...(options.force === undefined ? {} : { force: options.force }),
  });
  return { input: sizeOf(model), output: sizeOf(result.model), steps: result.steps, streamed: false, rowBlocked: 0 };
}

async function readWithMetadata(path: string): Promise<{ model: Model; metadata: Readonly<Record<string, string>> }> {
  const file = await openSafetensorsFile(path);
  try {
    const params: Param[] = [];
    for await (const param of file.params()) params.push(param);
    return { model: createModel({ format: 'safetensors', topology: null, params }), metadata: file.header.metadata };
  } finally {
    await file.close();
  }
}

function sizeOf(model: Model): ParamSize {
  return { params: countParams(model), bytes: modelByteLength(model) };
}
