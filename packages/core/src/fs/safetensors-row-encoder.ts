/**
 * Encoding a large plain tensor of a checkpoint in blocks of rows, so memory holds a block rather
 * than the tensor, when the result is its blocks' results laid end to end (see
 * `concatenateRowBlocks`). Internal to `@whittle/core/fs`.
 */
import { denseEncoding } from '../encoding/dense.ts';
import type { Encoding } from '../encoding/types.ts';
import { WhittleError } from '../errors.ts';
import { concatenateRowBlocks, type StreamedParam } from '../formats/safetensors/row-blocks.ts';
import type { Param } from '../model/types.ts';
import type { TensorRows } from './safetensors-transform.ts';

/** Plain tensors larger than this are encoded in blocks of rows when the recipe allows: 64 MiB. */
export const ROW_STREAM_THRESHOLD = 64 * 1024 * 1024;

/** Bytes of input rows per block, about: 16 MiB, small next to a tensor over the threshold. */
export const ROW_BLOCK_BYTES = 16 * 1024 * 1024;

/** When and how a tensor is encoded in blocks of rows (defaults: 64 MiB and 16 MiB). */
export interface RowBlockSizes {
  /** Tensors of at most this many bytes are encoded whole. */
  readonly threshold?: number;
  /** Bytes of input rows per block, about. */
  readonly blockBytes?: number;
}

/**
 * `tensor` encoded block by block by `encode` (called on a param holding rows of it, twice per
 * block: once to measure, once to write the widest component), or `undefined` when it is under
 * the threshold, its rows are too long to block, or the first block's encoding does not
 * concatenate along rows (a codebook, a per-tensor scale): the caller then encodes it whole.
 * `encode` also gives figures of its result (sizes for a report; not the encoding, which would
 * hold the tensor), and `onBlocks` gets the first pass's, once blocking is decided. An error a block throws names the
 * element's index in the whole tensor.
 *
 * @example
 * ```ts
 * const streamed = await encodeRowBlocks(tensor, async (block) => ({ encoding: castDense(decode(block.value), 'float16'), figures: 1 }), () => {});
 * ```
 */
export async function encodeRowBlocks<Figures>(
  tensor: TensorRows,
  encode: (block: Param) => Promise<{ readonly encoding: Encoding; readonly figures: Figures }>,
  onBlocks: (figures: readonly Figures[]) => void,
  sizes: RowBlockSizes = {},
): Promise<StreamedParam | undefined> {
  const { threshold = ROW_STREAM_THRESHOLD, blockBytes = ROW_BLOCK_BYTES } = sizes;
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
  const measured: Figures[] = [];
  const encodeBlock = async (index: number, pass: 1 | 2): Promise<Encoding> => {
    const start = index * blockRows;
    const count = index === blockCount - 1 ? rows - start : blockRows;
    const data = await tensor.readRows(start, count);
    const block: Param = { name: tensor.name, role: tensor.role, shape: [...data.shape], value: denseEncoding(data) };
    try {
      const { encoding, figures } = await encode(block);
      if (pass === 1) measured.push(figures);
      return encoding;
    } catch (error) {
      throw shiftElementIndex(error, start * rowElements);
    }
  };
  const streamed = await concatenateRowBlocks(tensor.name, blockCount, encodeBlock);
  // Reported only once blocking is decided: a tensor encoded whole after all is reported whole.
  if (streamed !== undefined) onBlocks(measured);
  return streamed;
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
