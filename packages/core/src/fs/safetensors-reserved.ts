/**
 * Writing a stream of params to a safetensors file in one pass. The header must come first but
 * needs every size, so instead of spilling the data to a second file and copying it back, the
 * writer reserves room for the header (the format lets the JSON be padded with trailing spaces),
 * writes each param's bytes straight to its place after that room, then writes the real header
 * into the room. A header that outgrows its room is still written correctly: the data is moved
 * up in place (a second pass, as the spill path would have made). Internal to `@whittle/core/fs`.
 */
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WhittleError } from '../errors.ts';
import { MAX_SAFETENSORS_HEADER_SIZE, type SafetensorsHeader } from '../formats/safetensors/header.ts';
import { jsonStringUtf8Length, tensorEntryJsonLength, utf8Length, type SafetensorsHeaderParts } from '../formats/safetensors/plan.ts';
import { spillParams, type ParamBatches, type ParamBytesSink } from '../formats/safetensors/write.ts';
import { HOST_IS_LITTLE_ENDIAN, littleEndianBytes } from '../encoding/byte-order.ts';
import { bytesPerElement, typedArrayConstructor, type DType, type HostTypedArray } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import type { StreamedParam } from '../formats/safetensors/row-blocks.ts';
import type { Param } from '../model/types.ts';
import { makeOutputDirectory, openAtomicFile, writeAll, type WriteOptions } from './atomic-file.ts';
import { fileError } from './file-source.ts';

/** Bytes moved per step when a header outgrows its room: big enough for throughput, small next to a tensor. */
const CHUNK_SIZE = 8 * 1024 * 1024;

/** Writes smaller than this are gathered into one of this size. */
const GATHER_SIZE = 1024 * 1024;

/**
 * Tensors of at most this many bytes are copied element by element into what is gathered. V8
 * keeps typed arrays of up to 64 bytes on its heap, and asking one for its buffer moves it off.
 */
const SMALL_TENSOR_SIZE = 64;

/** Header bytes budgeted per param for what a transform may add: whittle's encoding entry and component tensors. */
const PARAM_BUDGET = 1024;

/** Header bytes budgeted for the file as a whole. */
const BASE_BUDGET = 4096;

/** Options of {@link writeReservedSafetensors}. */
export interface ReservedSafetensorsOptions extends WriteOptions {
  /** Written to `__metadata__`; keys starting with `whittle:` are reserved. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Bytes of header JSON to reserve before the data; rounded up to a multiple of 8. */
  readonly reservation: number;
  /** The name param `index` has if it keeps its name (distinct names; see `HeaderPlannerOptions`). */
  readonly knownNames?: (index: number) => string | undefined;
}

/** How a {@link writeReservedSafetensors} call went. */
export interface ReservedSafetensorsResult {
  /** True when the header fit its room, so every data byte was written once. */
  readonly fitted: boolean;
  /** Bytes of the header JSON, padding included (N of the format). */
  readonly headerSize: number;
}

/**
 * A generous upper bound on the header of a rewrite of the file `header` describes: twice each
 * tensor entry (names, dtypes and offsets may grow), twice any encoding entry, a per-param
 * budget for encodings a transform adds, and the output metadata. Transforms that rename params
 * to much longer names can still exceed it; the writer then falls back to moving the data.
 *
 * @example
 * ```ts
 * const reservation = estimateHeaderReservation(header, header.metadata);
 * ```
 */
export function estimateHeaderReservation(
  header: SafetensorsHeader,
  metadata: Readonly<Record<string, string>>
): number {
  const limit = MAX_SAFETENSORS_HEADER_SIZE - (MAX_SAFETENSORS_HEADER_SIZE % 8);
  let bytes = BASE_BUDGET + 2 * utf8Length(JSON.stringify(metadata));
  // Counted from the header's columns: the length of each entry's text (the name as JSON, a
  // comma after it), with no text or object made per tensor. Counting stops at the limit: past
  // it the answer is the limit, however many tensors follow.
  const { columns } = header;
  const { tensors } = columns;
  for (let index = 0; index < tensors.count; index++) {
    if (bytes >= limit) return limit;
    bytes += 2 * (jsonStringUtf8Length(tensors.name(index)) + 1 + tensorEntryJsonLength(tensors, index) + 1);
  }
  for (let index = 0; index < columns.count; index++) {
    if (bytes >= limit) return limit;
    bytes += PARAM_BUDGET;
    const encoding = columns.encoding(index);
    if (encoding !== undefined) bytes += 2 * utf8Length(JSON.stringify(JSON.stringify(encoding)));
  }
  return Math.min(alignUp(bytes), limit);
}

/**
 * Writes a stream of params to `path` as safetensors in one pass over the data, atomically (a
 * temporary file beside `path`, put in place at the end; removed on any failure, as is a folder
 * created for it). `path`'s folder is created if needed. Memory holds about
 * one param. The output is what `writeSafetensors` writes for the same params, except that the
 * header is padded with spaces to fill `options.reservation` (when it fits).
 *
 * @example
 * ```ts
 * await writeReservedSafetensors('out.safetensors', stream, { reservation: 1 << 20, metadata });
 * ```
 */
export async function writeReservedSafetensors(
  path: string,
  params: Iterable<Param | StreamedParam> | AsyncIterable<Param | StreamedParam> | ParamBatches,
  options: ReservedSafetensorsOptions
): Promise<ReservedSafetensorsResult> {
  const reserved = alignUp(Math.max(0, options.reservation));
  const undoDirectory = await makeOutputDirectory(dirname(path));
  // Read as well as write: a header that outgrows its room moves the data within this file.
  let file;
  try {
    file = await openAtomicFile(path, options, 'wx+');
  } catch (error) {
    await undoDirectory();
    throw error;
  }
  const { handle } = file;
  try {
    const dataStart = 8 + reserved;
    let dataSize = 0;
    // Small tensors are gathered into one write: a million 4-byte writes would each cost a
    // round trip to the thread pool.
    const pending = new Uint8Array(GATHER_SIZE);
    let pendingSize = 0;
    const flush = async (): Promise<void> => {
      if (pendingSize === 0) return;
      await writeAll(handle, pending.subarray(0, pendingSize), dataStart + dataSize - pendingSize, path);
      pendingSize = 0;
    };
    const writeLater = async (chunk: Uint8Array): Promise<void> => {
      await flush();
      if (chunk.byteLength >= GATHER_SIZE) await writeAll(handle, chunk, dataStart + dataSize, path);
      else {
        pending.set(chunk, pendingSize);
        pendingSize += chunk.byteLength;
      }
      dataSize += chunk.byteLength;
    };
    const views = new GatherViews(pending);
    const sink: ParamBytesSink = {
      // A chunk that fits what is gathered is taken at once, with no promise (a million tiny tensors).
      write(chunk) {
        if (pendingSize + chunk.byteLength > GATHER_SIZE || chunk.byteLength >= GATHER_SIZE) return writeLater(chunk);
        pending.set(chunk, pendingSize);
        pendingSize += chunk.byteLength;
        dataSize += chunk.byteLength;
        return undefined;
      },
      // A tiny tensor's elements are copied in through a view of its own type, never asking it for its buffer.
      writeTensor(tensor) {
        const size = tensor.data.byteLength;
        if (size > SMALL_TENSOR_SIZE || pendingSize + size > GATHER_SIZE || !views.copy(tensor, pendingSize)) return sink.write(littleEndianBytes(tensor.data));
        pendingSize += size;
        dataSize += size;
        return undefined;
      },
    };
    const planner = await spillParams(params, sink, {
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      ...(options.knownNames === undefined ? {} : { knownNames: options.knownNames }),
    });
    await flush();
    // In pieces: the header of a million tensors is never copied into one buffer.
    const header = planner.headerParts();
    if (planner.dataSize !== dataSize) {
      throw new WhittleError('invalid-argument', `wrote ${dataSize} bytes of data, the plan has ${planner.dataSize}`, {
        field: 'params',
      });
    }
    const fitted = header.byteLength <= dataStart;
    if (!fitted) await moveData(handle, dataStart, header.byteLength, dataSize, path);
    if (fitted) await writePaddedHeader(handle, header, reserved, path);
    else await writeParts(handle, header.parts, 0, path);
    await file.commit();
    return { fitted, headerSize: fitted ? reserved : header.byteLength - 8 };
  } catch (error) {
    await file.discard();
    await undoDirectory();
    throw error;
  }
}

/**
 * Writes `header` (8-byte size, JSON, spaces) re-padded with spaces to `size` bytes of JSON,
 * without a padded copy: the room may be the 100 MB limit, mostly spaces.
 */
async function writePaddedHeader(handle: FileHandle, header: SafetensorsHeaderParts, size: number, path: string): Promise<void> {
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(size), true);
  await writeAll(handle, prefix, 0, path);
  // The first part is the plan's own 8-byte size, replaced by the room's.
  await writeParts(handle, header.parts, 8, path, 1);
  const spaces = new Uint8Array(Math.min(GATHER_SIZE, 8 + size - header.byteLength)).fill(0x20);
  for (let at = header.byteLength; at < 8 + size; at += spaces.byteLength) {
    await writeAll(handle, spaces.subarray(0, Math.min(spaces.byteLength, 8 + size - at)), at, path);
  }
}

/** Writes `parts`, after the first `skip` of them, one after another from `position`. */
async function writeParts(handle: FileHandle, parts: Iterable<Uint8Array>, position: number, path: string, skip = 0): Promise<void> {
  let at = position;
  let skipped = 0;
  for (const part of parts) {
    if (skipped++ < skip) continue;
    await writeAll(handle, part, at, path);
    at += part.byteLength;
  }
}

/**
 * Moves `size` bytes at `from` up to `to` (> `from`) within the file, last chunk first so no
 * byte is overwritten before it is read.
 */
async function moveData(handle: FileHandle, from: number, to: number, size: number, path: string): Promise<void> {
  const chunk = new Uint8Array(Math.min(CHUNK_SIZE, size));
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.byteLength);
    const view = chunk.subarray(0, end - start);
    await readFully(handle, view, from + start, path);
    await writeAll(handle, view, to + start, path);
    end = start;
  }
}

async function readFully(handle: FileHandle, bytes: Uint8Array, position: number, path: string): Promise<void> {
  for (let filled = 0; filled < bytes.byteLength; ) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(bytes, filled, bytes.byteLength - filled, position + filled));
    } catch (error) {
      throw fileError(path, 'cannot read back the output', error);
    }
    if (bytesRead === 0) throw new WhittleError('invalid-argument', 'the output ended early while moving its data', { file: path });
    filled += bytesRead;
  }
}

/**
 * Views of a gathering buffer, one per typed array kind, made when first needed: a tensor's
 * elements are copied through the view of its own kind, which copies their bytes as they are.
 */
class GatherViews {
  private readonly views = new Map<DType, HostTypedArray>();

  constructor(private readonly bytes: Uint8Array) {}

  /**
   * Copies `tensor`'s elements to byte `at` (little-endian hosts, `at` a multiple of the element
   * size); false, with nothing copied, otherwise.
   */
  copy(tensor: HostTensor, at: number): boolean {
    const width = bytesPerElement(tensor.dtype);
    if (!HOST_IS_LITTLE_ENDIAN || at % width !== 0) return false;
    let view = this.views.get(tensor.dtype);
    if (view === undefined) {
      const type = typedArrayConstructor(tensor.dtype) as unknown as new (buffer: ArrayBuffer, byteOffset: number, length: number) => HostTypedArray;
      view = new type(this.bytes.buffer as ArrayBuffer, this.bytes.byteOffset, Math.floor(this.bytes.byteLength / width));
      this.views.set(tensor.dtype, view);
    }
    // set between arrays of one kind copies bytes, so even a float NaN keeps its exact bits.
    (view as Uint8Array).set(tensor.data as Uint8Array, at / width);
    return true;
  }
}

/** `bytes` rounded up to a multiple of 8, so the data section starts 8-byte aligned. */
function alignUp(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}
