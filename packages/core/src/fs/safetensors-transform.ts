import { locateError } from '../errors.ts';
import { readSafetensorsHeader, type SafetensorsHeader } from '../formats/safetensors/header.ts';
import { toWhittleDType } from '../formats/safetensors/dtypes.ts';
import { readAhead } from '../formats/safetensors/read-ahead.ts';
import { safetensorsRoleAt } from '../formats/safetensors/header-columns.ts';
import { plainSafetensorsParamAt, readSafetensorsParamAt } from '../formats/safetensors/read-params.ts';
import { readSafetensorsRows } from '../formats/safetensors/read-tensor.ts';
import type { StreamedParam } from '../formats/safetensors/row-blocks.ts';
import { ParamBatches } from '../formats/safetensors/write.ts';
import type { DType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import type { Param, ParamRole } from '../model/types.ts';
import { assertSafeOutput, type WriteOptions } from './atomic-file.ts';
import { fileSource, type FileSource } from './file-source.ts';
import { estimateHeaderReservation, writeReservedSafetensors } from './safetensors-reserved.ts';

/** A plain tensor of the input offered to `streamTensor` before any of its bytes are read. */
export interface TensorRows {
  readonly name: string;
  readonly role: ParamRole;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Bytes of the tensor in the file. */
  readonly byteLength: number;
  /** Rows `[start, start + count)` along axis 0, read from the file. */
  readRows(start: number, count: number): Promise<HostTensor>;
}

/** Options of {@link transformSafetensorsFile}. */
export interface TransformSafetensorsOptions extends WriteOptions {
  /** `__metadata__` of the output; default: the input's (whittle's own entries are rewritten). */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Offered each plain tensor before it is read: may return it as a `StreamedParam` built from
   * blocks of rows (see `concatenateRowBlocks`), so memory holds a block rather than the tensor;
   * `undefined` reads it whole and passes it to `transform`.
   */
  readonly streamTensor?: (tensor: TensorRows) => Promise<StreamedParam | undefined>;
  /**
   * Only tensors of more than this many bytes are offered to `streamTensor` (default 0: every
   * one), so the many small tensors of a checkpoint go straight to `transform`.
   */
  readonly streamTensorOver?: number;
  /** Called with the input's checked header before any param is read (its sizes, for a report). */
  readonly onHeader?: (header: SafetensorsHeader) => void;
}

/**
 * Rewrites a safetensors file one param at a time: read a param, `transform` it (quantize, cast,
 * prune…), write it, let it go; peak memory is about one param, whatever the file's size.
 * The header needs every size before the data, so room for it is reserved (estimated from the
 * input) and each transformed param is written once, straight to its place; the header, padded
 * with spaces to fill the room, goes in last. A header that outgrows the room still comes out
 * right, at the cost of moving the data once. The output is written atomically (its folder
 * created if needed) and never over the input: any other name works, `model-f16.safetensors`
 * beside `model.safetensors` included (see `assertSafeOutput`); an existing output needs
 * `force`. Params come to `transform` in file order; it may rename them.
 *
 * @example
 * ```ts
 * await transformSafetensorsFile('model.safetensors', 'out/model-f16.safetensors', (param) =>
 *   param.value.kind === 'dense' && isFloatDType(param.value.tensor.dtype)
 *     ? { ...param, value: castDense(param.value.tensor, 'float16') }
 *     : param,
 * );
 * ```
 */
export async function transformSafetensorsFile(
  input: string,
  output: string,
  transform: (param: Param) => Param | Promise<Param>,
  options: TransformSafetensorsOptions = {}
): Promise<void> {
  await assertSafeOutput([input], output, options);
  const source = await fileSource(input);
  try {
    // The header is held in columns (tens of megabytes for a million tensors), for the whole run.
    const header = await readSafetensorsHeader(source);
    options.onHeader?.(header);
    const metadata = options.metadata ?? header.metadata;
    const reservation = estimateHeaderReservation(header, metadata);
    const { columns } = header;
    await writeReservedSafetensors(output, new ParamBatches(transformedParams(source, header, input, transform, options)), {
      metadata,
      reservation,
      // Plain tensors' names, distinct in a checked header: params that keep theirs need no index of names.
      knownNames: (index) => (index < columns.count && columns.plainTensor(index) >= 0 ? columns.name(index) : undefined),
      ...(options.force === undefined ? {} : { force: options.force }),
    });
  } finally {
    await source.close();
  }
}

/** Params per batch handed to the writer, at most: a million tiny params make a few thousand batches. */
const BATCH_PARAMS = 512;

/** Input bytes per batch, at most (but a param larger goes alone): memory holds about one batch or one param. */
const BATCH_BYTES = 1024 * 1024;

/**
 * The params of the header, each transformed (or streamed in blocks of rows), in file order, in
 * batches: the writer then waits once per batch, not once per param.
 */
async function* transformedParams(
  source: FileSource,
  header: SafetensorsHeader,
  input: string,
  transform: (param: Param) => Param | Promise<Param>,
  options: TransformSafetensorsOptions
): AsyncGenerator<(Param | StreamedParam)[]> {
  const ahead = readAhead(source);
  let batch: (Param | StreamedParam)[] = [];
  let batchBytes = 0;
  const { columns } = header;
  const { tensors } = columns;
  const streamOver = options.streamTensorOver ?? 0;
  for (let index = 0; index < columns.count; index++) {
    let result: Param | StreamedParam | undefined;
    const plain = columns.plainTensor(index);
    const dtype = plain >= 0 && options.streamTensor !== undefined && !(columns.byteLength(index) <= streamOver) ? toWhittleDType(columns.tensors.dtype(plain)) : undefined;
    try {
      if (options.streamTensor !== undefined && dtype !== undefined) {
        const name = columns.name(index);
        result = await options.streamTensor({
          name,
          role: safetensorsRoleAt(header, index),
          dtype,
          shape: columns.shape(index),
          byteLength: columns.byteLength(index),
          readRows: (start, count) => readSafetensorsRows(source, header, name, start, count),
        });
      }
      if (result === undefined) {
        // A small plain tensor lies in the window read ahead: taken, and transformed, without a promise of its own.
        const bytes = plain >= 0 ? ahead.peek(header.dataOffset + tensors.begin(plain), tensors.end(plain) - tensors.begin(plain)) : undefined;
        const param = bytes === undefined ? await readSafetensorsParamAt(ahead, header, index) : plainSafetensorsParamAt(header, index, bytes)!;
        const transformed = transform(param);
        result = isThenable(transformed) ? await transformed : transformed;
      }
    } catch (error) {
      // A step's error (a NaN weight, a bad shape) names the param and field, not the file.
      throw locateError(error, { file: input });
    }
    batch.push(result);
    batchBytes += columns.byteLength(index);
    if (batch.length >= BATCH_PARAMS || batchBytes >= BATCH_BYTES) {
      yield batch;
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

function isThenable(value: unknown): value is PromiseLike<Param> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<Param>).then === 'function';
}
