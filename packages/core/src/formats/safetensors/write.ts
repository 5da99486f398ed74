/**
 * Writing safetensors as a stream. The header must come first and needs every tensor's size, so
 * the writer gets the layout one of three ways:
 *
 * 1. A `Model`, a map or an array of params is already in memory: the writer plans from their
 *    encodings' metadata, writes the header, then each param's component bytes straight from
 *    the encodings (views, no copies).
 * 2. A one-shot stream (async iterable or generator) with `layout` given: the header is written
 *    at once and each param goes to the sink as it arrives (checked against its layout), so
 *    memory holds about one param.
 * 3. A one-shot stream without a layout: each param's bytes go to a {@link SpillStore} as they
 *    arrive; once the stream ends the header is planned from the params seen, then header and
 *    spilled data are copied to the sink. Memory stays bounded with a file spill
 *    (`@whittle/core/fs` uses one in `writeSafetensorsFile`; `transformSafetensorsFile` instead
 *    reserves room for the header and writes each param's bytes once, see {@link spillParams}).
 */
import { littleEndianBytes } from '../../encoding/byte-order.ts';
import { encodingParts } from '../../encoding/serialize.ts';
import { validateEncoding } from '../../encoding/validate.ts';
import { WhittleError } from '../../errors.ts';
import type { Model, Param } from '../../model/types.ts';
import { describeValue } from '../../tensor/shape.ts';
import type { ByteSink } from '../byte-source.ts';
import {
  layoutTensors,
  planSafetensors,
  SafetensorsHeaderPlanner,
  safetensorsParamLayout,
  type HeaderPlannerOptions,
  type SafetensorsParamLayout,
  type SafetensorsPlan,
  type SafetensorsPlannedParam,
} from './plan.ts';
import type { HostTensor } from '../../tensor/host-tensor.ts';
import type { StreamedParam } from './row-blocks.ts';
import { memorySpill, type SpillStore } from './spill.ts';

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** String entries for `__metadata__`; keys starting with `whittle:` are reserved. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The layouts of the params, in order, known up front: the header is written first and each param streams through. */
  readonly layout?: Iterable<SafetensorsParamLayout>;
  /** Where a one-shot stream without `layout` waits for the header (default: memory). */
  readonly spill?: SpillStore;
}

/** What {@link writeSafetensors} writes params from. */
export type SafetensorsParams =
  | Model
  | readonly Param[]
  | ReadonlyMap<string, Param>
  | Iterable<Param>
  | AsyncIterable<Param>;

/**
 * Writes params (a model, a map or array of params, or a stream of them) to `sink` as safetensors, then closes
 * it; on any error the sink is aborted and the error rethrown. Dense params become plain
 * tensors; other encodings become component tensors plus `__metadata__` (see naming.ts). How the
 * header gets its sizes before the data is written: see the module comment.
 *
 * @example
 * ```ts
 * const sink = memorySink();
 * await writeSafetensors(sink, model, { metadata: { format: 'pt' } });
 * const bytes = sink.bytes();
 * ```
 */
export async function writeSafetensors(
  sink: ByteSink,
  params: SafetensorsParams,
  options: WriteSafetensorsOptions = {}
): Promise<void> {
  try {
    const inMemory = inMemoryParams(params);
    if (options.layout !== undefined) {
      const stream = inMemory ?? (params as Iterable<Param> | AsyncIterable<Param>);
      await writePlanned(sink, planSafetensors(options.layout, options), stream, checkParam);
    } else if (inMemory !== undefined) {
      // Checked before planning: the plan reads every encoding's metadata.
      const checked = inMemory.map(checkParam);
      await writePlanned(
        sink,
        planSafetensors(checked.map(safetensorsParamLayout), options),
        checked,
        (param) => param
      );
    } else {
      await writeSpilled(
        sink,
        params as Iterable<Param> | AsyncIterable<Param>,
        options.spill ?? memorySpill(),
        options
      );
    }
    await sink.close();
  } catch (error) {
    await sink.abort(error);
    throw error;
  }
}

/** The params as an array when they are in memory already (a model, a map or an array), else undefined. */
function inMemoryParams(params: SafetensorsParams): readonly Param[] | undefined {
  if (Array.isArray(params)) return params as readonly Param[];
  if (params instanceof Map) return [...(params as ReadonlyMap<string, Param>).values()];
  if (typeof params === 'object' && params !== null && (params as Model).params instanceof Map) {
    return [...(params as Model).params.values()];
  }
  if (typeof params !== 'object' || params === null || !(Symbol.iterator in params || Symbol.asyncIterator in params)) {
    throw new WhittleError('invalid-argument', `expected a model or params, got ${describeValue(params)}`, {
      field: 'params',
    });
  }
  return undefined;
}

async function writePlanned(
  sink: ByteSink,
  plan: SafetensorsPlan,
  params: Iterable<Param> | AsyncIterable<Param>,
  check: (value: Param, index: number) => Param
): Promise<void> {
  await sink.write(plan.header);
  let index = 0;
  for await (const value of params) {
    const planned = plan.params[index];
    if (planned === undefined)
      fail(`the layout lists ${plan.params.length} params, the stream has more`, `params[${index}]`);
    await writeParam(sink, planned, check(value, index), index);
    index++;
  }
  if (index < plan.params.length)
    fail(`the layout lists ${plan.params.length} params, the stream ended after ${index}`, 'params');
}

async function writeParam(
  sink: ByteSink,
  planned: SafetensorsPlannedParam,
  param: Param,
  index: number
): Promise<void> {
  const { metadata, buffers } = encodingParts(param.value);
  if (param.name !== planned.name || !sameJson(metadata, planned.encoding)) {
    fail(
      `param ${JSON.stringify(param.name)} differs from its layout (${JSON.stringify(planned.name)})`,
      `params[${index}]`
    );
  }
  const bytes = new Map(buffers.map((buffer) => [buffer.name, buffer.bytes]));
  for (const tensor of planned.tensors) await sink.write(bytes.get(tensor.buffer)!);
}

async function writeSpilled(
  sink: ByteSink,
  params: Iterable<Param> | AsyncIterable<Param>,
  spill: SpillStore,
  options: WriteSafetensorsOptions
): Promise<void> {
  try {
    const planner = await spillParams(params, spill, options);
    const plan = { header: planner.header(), dataSize: planner.dataSize };
    await sink.write(plan.header);
    let copied = 0;
    for await (const chunk of spill.drain()) {
      copied += chunk.byteLength;
      await sink.write(chunk);
    }
    if (copied !== plan.dataSize) {
      throw new WhittleError('invalid-argument', `the spill gave back ${copied} bytes of ${plan.dataSize}`, {
        field: 'spill',
      });
    }
  } finally {
    await spill.dispose();
  }
}

/**
 * Where {@link spillParams} hands each tensor's bytes: a {@link SpillStore}, or a writer that
 * takes small chunks at once into a buffer and returns a promise only when it must wait.
 */
export interface ParamBytesSink {
  write(chunk: Uint8Array): Promise<void> | undefined;
  /**
   * Takes a dense tensor's data as {@link write} takes its little-endian bytes. A sink may copy a
   * small tensor's elements straight into what it gathers: asking a typed array of a few bytes
   * for its buffer makes V8 move it off the heap, a cost per tensor that dominates tiny ones.
   */
  writeTensor?(tensor: HostTensor): Promise<void> | undefined;
}

/**
 * A one-shot stream of params handed over in batches, in order: a stream of a million tiny
 * params then costs one await per batch rather than one per param.
 *
 * @example
 * ```ts
 * await spillParams(new ParamBatches(batchesOfParams()), spill);
 * ```
 */
export class ParamBatches {
  constructor(readonly batches: AsyncIterable<readonly (Param | StreamedParam)[]>) {}
}

/**
 * Checks each param of a one-shot stream (or of a stream of {@link ParamBatches}) and hands its
 * tensors' bytes to `spill.write` in the order a plan lays them out, holding one param (or one
 * batch) at a time; returns the planner holding the header. Internal: shared by the spill path
 * here and the fs writer that writes data after space reserved for the header.
 *
 * @example
 * ```ts
 * const header = (await spillParams(stream, spill, { metadata })).header();
 * ```
 */
export async function spillParams(
  params: Iterable<Param | StreamedParam> | AsyncIterable<Param | StreamedParam> | ParamBatches,
  spill: ParamBytesSink,
  options: HeaderPlannerOptions = {}
): Promise<SafetensorsHeaderPlanner> {
  // The metadata is checked before any param is read.
  const planner = new SafetensorsHeaderPlanner(options);
  let index = 0;
  if (params instanceof ParamBatches) {
    for await (const batch of params.batches) {
      for (const value of batch) {
        const pending = spillParam(value, index++, spill, planner);
        if (pending !== undefined) await pending;
      }
    }
    return planner;
  }
  for await (const value of params) {
    const pending = spillParam(value, index++, spill, planner);
    if (pending !== undefined) await pending;
  }
  return planner;
}

/** Plans param `index` and hands its bytes to `spill`; a promise only when the sink must be waited for. */
function spillParam(value: Param | StreamedParam, index: number, spill: ParamBytesSink, planner: SafetensorsHeaderPlanner): Promise<void> | undefined {
  if (isStreamedParam(value)) return spillStreamed(value, spill, index, planner);
  const param = checkParam(value, index);
  if (param.value.kind === 'dense') {
    // Most params of a large checkpoint are dense: one tensor, laid out with no parts or metadata objects.
    const { tensor } = param.value;
    planner.addDense(param.name, tensor.dtype, tensor.shape, index);
    return spill.writeTensor === undefined ? spill.write(littleEndianBytes(tensor.data)) : spill.writeTensor(tensor);
  }
  const { metadata, buffers } = encodingParts(param.value);
  const bytes = new Map(buffers.map((buffer) => [buffer.name, buffer.bytes]));
  return writeEach(planner.add({ name: param.name, encoding: metadata }, index), (tensor) => spill.write(bytes.get(tensor.buffer)!));
}

async function writeEach<Item>(items: readonly Item[], write: (item: Item) => Promise<void> | undefined): Promise<void> {
  for (const item of items) await write(item);
}

function isStreamedParam(value: unknown): value is StreamedParam {
  return typeof value === 'object' && value !== null && typeof (value as StreamedParam).chunks === 'function';
}

/** Writes a streamed param's chunks, checking that they add up to what its metadata lays out. */
async function spillStreamed(
  param: StreamedParam,
  spill: ParamBytesSink,
  index: number,
  planner: SafetensorsHeaderPlanner
): Promise<void> {
  if (typeof param.name !== 'string' || param.name.length === 0) {
    fail(`a param needs a non-empty name, got ${describeValue(param.name)}`, `params[${index}].name`);
  }
  const layout = { name: param.name, encoding: param.encoding };
  const expected = planner.add(layout, index).reduce((total, tensor) => total + tensor.byteLength, 0);
  let written = 0;
  for await (const chunk of param.chunks()) {
    written += chunk.byteLength;
    if (written > expected) break;
    await spill.write(chunk);
  }
  if (written !== expected) {
    fail(`param ${JSON.stringify(param.name)} gave ${written} bytes, its layout needs ${expected}`, `params[${index}]`);
  }
}

/** A param checked far enough to be written: a non-empty name and a valid encoding. */
function checkParam(value: unknown, index: number): Param {
  if (typeof value !== 'object' || value === null) fail(`expected a param, got ${describeValue(value)}`, `params[${index}]`);
  const param = value as Param;
  if (typeof param.name !== 'string' || param.name.length === 0) {
    fail(`a param needs a non-empty name, got ${describeValue(param.name)}`, `params[${index}].name`);
  }
  try {
    validateEncoding(param.value);
  } catch (error) {
    // Checked again only to name the field: a million params need no field text each.
    validateEncoding(param.value, { field: `params[${index}].value` });
    throw error;
  }
  return param;
}

/** Structural equality of JSON-like values, key order aside. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const keysB = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

function fail(message: string, field: string): never {
  throw new WhittleError('invalid-argument', message, { field });
}
