import { WhittleError, byteLength, compress, encodingParamCount, concatenateRowBlocks, createModel, denseEncoding, type Param, type RecipeStep, type StepReport, type StreamedParam } from '@whittle/core';
import type { TensorRows } from '@whittle/core/fs';

/**
 * Runs a recipe on one param, as a model of that param alone, through core's `compress`; returns
 * the param it became and core's per-step reports for it.
 *
 * @example
 * ```ts
 * const { param: smaller } = await compressParam(param, [{ kind: 'cast', dtype: 'float16' }]);
 * ```
 */
export async function compressParam(param: Param, steps: readonly RecipeStep[]): Promise<{ param: Param; steps: readonly StepReport[] }> {
  const model = createModel({ format: 'safetensors', topology: null, params: [param] });
  // One param is a part of the file: the filters were checked against the whole header.
  const result = await compress(model, steps, { requireSelection: false });
  const [only, ...rest] = result.model.params.values();
  if (only === undefined || rest.length > 0) {
    // A handler that adds or drops params must not claim `perParam`.
    throw new Error(`the recipe turned param ${JSON.stringify(param.name)} into ${result.model.params.size} params`);
  }
  return { param: only, steps: result.steps };
}

/** Plain tensors larger than this are compressed in blocks of rows when the recipe allows. */
export const ROW_STREAM_THRESHOLD = 64 * 1024 * 1024;

/** Bytes of input rows per block: small next to the memory a whole large tensor would take. */
const BLOCK_BYTES = 16 * 1024 * 1024;

/** When and how {@link compressRows} blocks a tensor (defaults: 64 MiB and 16 MiB). */
export interface RowBlockSizes {
  /** Tensors of at most this many bytes are compressed whole. */
  readonly threshold?: number;
  /** Bytes of input rows per block, about. */
  readonly blockBytes?: number;
}

/** What a param's (or a block's) compression came to, for the report: its encoding is not kept. */
export interface CompressedFigures {
  /** Elements of the result. */
  readonly params: number;
  /** Bytes of the result. */
  readonly bytes: number;
  readonly steps: readonly StepReport[];
}

/**
 * Compresses a large plain tensor in blocks of rows, when the recipe's result for it is its
 * blocks' results laid end to end (a cast; affine codes with a scale per row or groups within
 * rows: see `concatenateRowBlocks`), so memory holds one block instead of the tensor. Returns
 * `undefined` for a tensor under {@link ROW_STREAM_THRESHOLD}, one whose rows are too long to
 * block, or a recipe whose result does not split by rows (then the tensor is compressed whole).
 * `onBlocks` gets each block's result once streaming is decided.
 *
 * @example
 * ```ts
 * await transformSafetensorsFile(input, output, transform, { streamTensor: (tensor) => compressRows(tensor, steps, record) });
 * ```
 */
export async function compressRows(
  tensor: TensorRows,
  steps: readonly RecipeStep[],
  onBlocks: (results: readonly CompressedFigures[]) => void,
  sizes: RowBlockSizes = {},
): Promise<StreamedParam | undefined> {
  const { threshold = ROW_STREAM_THRESHOLD, blockBytes = BLOCK_BYTES } = sizes;
  const rows = tensor.shape[0];
  if (tensor.byteLength <= threshold || rows === undefined || rows < 4) return undefined;
  const rowBytes = tensor.byteLength / rows;
  // A multiple of 8 rows, so packed codes of every block but the last end on a byte.
  const blockRows = Math.max(8, Math.floor(blockBytes / rowBytes / 8) * 8);
  if (blockRows * rowBytes > 4 * blockBytes || blockRows * 2 > rows) return undefined;
  let blockCount = Math.ceil(rows / blockRows);
  // The last block keeps at least 2 rows, so no block looks like a vector to a step.
  if (rows - (blockCount - 1) * blockRows < 2) blockCount -= 1;
  const rowElements = tensor.shape.slice(1).reduce((product, dimension) => product * dimension, 1);
  const results: CompressedFigures[] = [];
  const encode = async (index: number, pass: 1 | 2) => {
    const start = index * blockRows;
    const count = index === blockCount - 1 ? rows - start : blockRows;
    const block = await tensor.readRows(start, count);
    const param: Param = { name: tensor.name, role: tensor.role, shape: [...block.shape], value: denseEncoding(block) };
    try {
      const result = await compressParam(param, steps);
      if (pass === 1) results.push(figuresOf(result));
      return result.param.value;
    } catch (error) {
      throw shiftElementIndex(error, start * rowElements);
    }
  };
  const streamed = await concatenateRowBlocks(tensor.name, blockCount, encode);
  if (streamed !== undefined) onBlocks(results);
  return streamed;
}

/**
 * The figures of a compressed param, without holding on to its encoding.
 *
 * @example
 * ```ts
 * const { bytes } = figuresOf(await compressParam(param, steps));
 * ```
 */
export function figuresOf(result: { param: Param; steps: readonly StepReport[] }): CompressedFigures {
  return { params: encodingParamCount(result.param.value), bytes: byteLength(result.param.value), steps: result.steps };
}

/** A block's error names an element of the block; the user needs its index in the whole tensor. */
function shiftElementIndex(error: unknown, offset: number): unknown {
  if (!(error instanceof WhittleError) || offset === 0) return error;
  const shift = (text: string): string =>
    text
      .replace(/data\[(\d+)\]/g, (_, index: string) => `data[${Number(index) + offset}]`)
      .replace(/element (\d+)/g, (_, index: string) => `element ${Number(index) + offset}`);
  const location = {
    ...(error.file === undefined ? {} : { file: error.file }),
    ...(error.step === undefined ? {} : { step: error.step }),
    ...(error.field === undefined ? {} : { field: shift(error.field) }),
  };
  return new WhittleError(error.code, shift(error.detail), location, { cause: error });
}
