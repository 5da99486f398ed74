/**
 * Writing one huge param in blocks of rows, so memory holds a block, not the tensor. Many
 * encodings of a tensor are the encodings of its row blocks laid end to end along axis 0: a cast,
 * affine codes with one scale per row (per channel of an `[out, in]` weight) or with groups
 * inside rows. For those, each component tensor of the whole is its blocks' components
 * concatenated, so the param can be written block by block. The file puts a param's widest
 * components first (scales before codes), so the small components are gathered in a first pass
 * and the largest one is produced again, block by block, in a second.
 */
import { encodingParts } from '../../encoding/serialize.ts';
import type { EncodingBuffer, EncodingMetadata } from '../../encoding/metadata.ts';
import type { Encoding } from '../../encoding/types.ts';
import { WhittleError } from '../../errors.ts';
import { layoutTensors } from './plan.ts';

/**
 * A param given as its encoding's metadata (as `encodingParts` gives it) and the bytes of its
 * component tensors, in the order a plan lays them out, in chunks of any size. The writer checks
 * the byte count against the metadata.
 */
export interface StreamedParam {
  readonly name: string;
  readonly encoding: EncodingMetadata;
  /** Every component tensor's bytes, in layout order (see `planSafetensors`). */
  readonly chunks: () => AsyncIterable<Uint8Array>;
}

/** Encodes block `index` of a param's rows; `pass` is 1 while gathering, 2 while streaming the largest component. */
export type BlockEncoder = (index: number, pass: 1 | 2) => Promise<Encoding>;

/**
 * The param `name` whose encoding is its `blockCount` row blocks' encodings concatenated along
 * axis 0, or `undefined` when the first block's encoding is not one that concatenates (a
 * codebook, per-tensor scales, scales along another axis, codes that do not end on a byte), so
 * the caller encodes the tensor whole instead. Every block but the last must have the same rows;
 * a block whose encoding differs in anything but its rows is an `invalid-argument` error.
 * `encode` is called once per block, then again for each block while the largest component
 * streams out.
 *
 * @example
 * ```ts
 * const streamed = await concatenateRowBlocks('fc.weight', 64, (index) => encodeRows(index));
 * ```
 */
export async function concatenateRowBlocks(
  name: string,
  blockCount: number,
  encode: BlockEncoder
): Promise<StreamedParam | undefined> {
  const firstParts = encodingParts(await encode(0, 1));
  if (!concatenates(firstParts.metadata, blockCount > 1)) return undefined;
  const largest = largestBuffer(firstParts.buffers);
  const kept = new Map<string, Uint8Array[]>(firstParts.buffers.map((buffer) => [buffer.name, []]));
  const keep = (buffers: readonly EncodingBuffer[]): void => {
    for (const buffer of buffers) if (buffer.name !== largest) kept.get(buffer.name)!.push(buffer.bytes.slice());
  };
  keep(firstParts.buffers);
  let metadata = firstParts.metadata;
  const largestLengths = [bufferOf(firstParts.buffers, largest).bytes.byteLength];
  for (let index = 1; index < blockCount; index++) {
    const parts = encodingParts(await encode(index, 1));
    const last = index === blockCount - 1;
    if (!last && !concatenates(parts.metadata, true)) mismatch(name, index);
    metadata = appendRows(metadata, parts.metadata, name, index);
    keep(parts.buffers);
    largestLengths.push(bufferOf(parts.buffers, largest).bytes.byteLength);
  }
  const order = layoutTensors({ name, encoding: metadata }, 'params').map((tensor) => tensor.buffer);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const buffer of order) {
      if (buffer !== largest) {
        yield* kept.get(buffer)!;
        continue;
      }
      for (let index = 0; index < blockCount; index++) {
        const bytes = bufferOf(encodingParts(await encode(index, 2)).buffers, largest).bytes;
        // A second encoding of the same rows must give the bytes the first one measured.
        if (bytes.byteLength !== largestLengths[index]) mismatch(name, index);
        yield bytes;
      }
    }
  }
  return { name, encoding: metadata, chunks };
}

/** Whether blocks of this encoding concatenate along axis 0 (`whole`: its codes must end on a byte). */
function concatenates(value: EncodingMetadata, whole: boolean): boolean {
  if (value.kind === 'dense') return value.shape.length > 0;
  if (value.kind !== 'affine' || value.shape.length === 0 || value.offsets !== undefined) return false;
  const { granularity } = value;
  const rowsApart = (granularity.kind === 'axis' && granularity.axis === 0) || (granularity.kind === 'group' && granularity.axis !== 0);
  const elements = value.shape.reduce((product, dimension) => product * dimension, 1);
  return rowsApart && (!whole || (elements * value.bits) % 8 === 0);
}

function largestBuffer(buffers: readonly EncodingBuffer[]): string {
  let largest = buffers[0]!;
  for (const buffer of buffers) if (buffer.bytes.byteLength > largest.bytes.byteLength) largest = buffer;
  return largest.name;
}

function bufferOf(buffers: readonly EncodingBuffer[], name: string): EncodingBuffer {
  const found = buffers.find((buffer) => buffer.name === name);
  if (found === undefined) throw new WhittleError('invalid-argument', `a row block has no ${JSON.stringify(name)} component`, { field: 'params' });
  return found;
}

/** `whole` with `block`'s rows added: equal in everything but axis 0 of the shapes, which add up. */
function appendRows(whole: EncodingMetadata, block: EncodingMetadata, name: string, index: number): EncodingMetadata {
  const grow = (a: unknown, b: unknown): unknown => {
    if (Array.isArray(a) && Array.isArray(b)) {
      // Shapes are the only arrays in encoding metadata.
      if (a.length !== b.length || a.length === 0 || a.some((dimension, axis) => axis > 0 && dimension !== b[axis])) mismatch(name, index);
      return [(a[0] as number) + (b[0] as number), ...a.slice(1)];
    }
    if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
      const keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) mismatch(name, index);
      return Object.fromEntries(keys.map((key) => [key, grow((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])]));
    }
    if (a !== b) mismatch(name, index);
    return a;
  };
  return grow(whole, block) as EncodingMetadata;
}

function mismatch(name: string, index: number): never {
  throw new WhittleError(
    'invalid-argument',
    `row block ${index} of param ${JSON.stringify(name)} is not encoded like the blocks before it`,
    { field: 'params' }
  );
}
