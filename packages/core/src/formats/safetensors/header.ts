/**
 * Reading and checking a safetensors header: an 8-byte little-endian length N, N bytes of UTF-8
 * JSON (possibly padded with trailing spaces), then the data section that `data_offsets` count
 * from. Only the 8 bytes and the N header bytes are read, after N is checked against the file
 * size and {@link MAX_SAFETENSORS_HEADER_SIZE}, so a lying length never allocates.
 */
import { WhittleError } from '../../errors.ts';
import { describeValue } from '../../tensor/shape.ts';
import type { ByteSource } from '../byte-source.ts';
import { readHeaderParams, type ParamTable, type SafetensorsParamInfo } from './header-params.ts';
import { IndexedMap } from './indexed-map.ts';
import { malformed } from './malformed.ts';
import { headerField, isWellFormedName, METADATA_KEY, metadataField, setEntry } from './naming.ts';
import { readPlainHeader } from './plain-header.ts';
import { parseStrictJson } from './strict-json.ts';
import type { SafetensorsTensorInfo } from './tensor-entries.ts';
import { TensorTableBuilder, type TensorTable } from './tensor-table.ts';

/** The largest header whittle reads or writes (the Rust reference's bound, 100 MB). */
export const MAX_SAFETENSORS_HEADER_SIZE = 100_000_000;

/**
 * How a header error starts when the bytes cannot be a safetensors file at all (a weight shard,
 * a text file), so a reader who gave the wrong file learns that first.
 */
const NOT_SAFETENSORS = 'not a safetensors file';

/** A checked safetensors header. */
export interface SafetensorsHeader {
  /** The source it was read from, for error messages. */
  readonly file: string;
  /** N: bytes of JSON (with padding) after the 8-byte length. */
  readonly headerSize: number;
  /** Where the data section starts in the file: 8 + N. */
  readonly dataOffset: number;
  /**
   * Every tensor, in file order (by data offset), components of encodings included: a view of
   * {@link columns}, each entry made when asked for.
   */
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  /** whittle's params in file order: plain tensors, and encodings reassembled from components (a view, as `tensors`). */
  readonly params: ReadonlyMap<string, SafetensorsParamInfo>;
  /**
   * The params by index, in file order, and their tensors (`columns.tensors`), in columns: what
   * code visiting every param of a checkpoint of a million tensors reads, with no object per param.
   */
  readonly columns: ParamTable;
  /** `__metadata__` without whittle's `whittle:` entries. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Reads and fully checks the header of a safetensors file: sizes, UTF-8, JSON without duplicate
 * keys, every tensor's dtype, shape and in-range, non-overlapping offsets of the right length,
 * `__metadata__` as a string-to-string map, and whittle's encoding entries against the tensors
 * they reference. Reads only the header's bytes. Throws a `malformed-file` WhittleError naming
 * the file and the field.
 *
 * @example
 * ```ts
 * const header = await readSafetensorsHeader(bytesSource(bytes, 'model.safetensors'));
 * for (const [name, tensor] of header.tensors) console.log(name, tensor.dtype, tensor.shape);
 * ```
 */
export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  const file = source.name;
  if (source.size < 8) {
    malformed(file, 'headerSize', `${NOT_SAFETENSORS}: it has ${source.size} bytes, fewer than the 8 that give the header size`);
  }
  const prefix = await readExactly(source, 0, 8);
  const declared = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_SAFETENSORS_HEADER_SIZE)) {
    malformed(
      file,
      'headerSize',
      `${NOT_SAFETENSORS}: its first 8 bytes give a header of ${declared} bytes, over the ${MAX_SAFETENSORS_HEADER_SIZE}-byte limit`
    );
  }
  const headerSize = Number(declared);
  if (8 + headerSize > source.size) {
    malformed(file, 'headerSize', `${NOT_SAFETENSORS}: its first 8 bytes give a header of ${headerSize} bytes, which does not fit in its ${source.size} bytes`);
  }
  return parseSafetensorsHeader(await readExactly(source, 8, headerSize), file, source.size);
}

/**
 * Checks the header JSON bytes of a file of `fileSize` bytes. Internal: use
 * {@link readSafetensorsHeader}.
 *
 * @example
 * ```ts
 * parseSafetensorsHeader(new TextEncoder().encode('{}      '), 'empty.safetensors', 16);
 * ```
 */
export function parseSafetensorsHeader(bytes: Uint8Array, file: string, fileSize: number): SafetensorsHeader {
  const headerSize = bytes.byteLength;
  const dataOffset = 8 + headerSize;
  const dataSize = fileSize - dataOffset;
  // The fast path looks at every byte: a header it reads whole as ASCII is valid UTF-8 with no
  // check of its own (80 MB for a million tensors). Any other is checked before anything is said of it.
  const plain = readPlain(bytes, file, dataSize);
  if (plain === undefined || !plain.ascii) checkUtf8(bytes, file);
  // ignoreBOM keeps a byte-order mark (bytes EF BB BF), which JSON rejects as the reference does.
  if (bytes[0] !== 0x7b) malformed(file, 'header', `${NOT_SAFETENSORS}: the header must start with "{"`);
  // The whole text is made only for a header off the fast path (an escape, a float, an error).
  const general = (): { builder: TensorTableBuilder; entries: Record<string, string> } =>
    readGeneral(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), file, dataSize);
  const read = plain ?? general();
  const table = read.builder.build((name) => {
    // The plain path keeps no set of keys (a million of them): the general one names the duplicate.
    general();
    malformed(file, headerField(name), `the key ${JSON.stringify(name)} appears twice`);
  });
  const { params, metadata } = readHeaderParams(table, read.entries, file);
  return {
    file,
    headerSize,
    dataOffset,
    tensors: tensorMap(table),
    params: paramMap(params),
    metadata,
    columns: params,
  };
}

// Made outside parseSafetensorsHeader: a closure there would keep its scope, the header bytes
// included, alive as long as the header.
function paramMap(params: ParamTable): ReadonlyMap<string, SafetensorsParamInfo> {
  return new IndexedMap(params.count, (index) => params.name(index), (index) => params.info(index), (name) => params.indexOf(name));
}

function tensorMap(table: TensorTable): ReadonlyMap<string, SafetensorsTensorInfo> {
  return new IndexedMap(table.count, (index) => table.name(index), (index) => table.info(index), (name) => table.indexOf(name));
}

/**
 * The fast path: a header of the common shape read straight into columns. Undefined when the text
 * is not of that shape or any entry is wrong: the general path then finds the first error, in the
 * order it always has (the JSON first, then each entry in text order).
 */
function readPlain(
  bytes: Uint8Array,
  file: string,
  dataSize: number,
): { builder: TensorTableBuilder; entries: Record<string, string>; ascii: boolean } | undefined {
  const builder = new TensorTableBuilder(file, dataSize);
  let entries: Record<string, string> = {};
  let failed = false;
  const plain = readPlainHeader(bytes, {
    tensor(source, nameStart, nameEnd, dtype, shape, offsets) {
      try {
        builder.addPlain(source, nameStart, nameEnd, dtype, shape, offsets);
        return true;
      } catch {
        failed = true;
        return false;
      }
    },
    metadata(value) {
      try {
        entries = readMetadata(value, file);
        return true;
      } catch {
        failed = true;
        return false;
      }
    },
  });
  return plain !== undefined && !failed ? { builder, entries, ascii: plain.ascii } : undefined;
}

/** The general path: strict JSON, then each entry checked in text order. */
function readGeneral(text: string, file: string, dataSize: number): { builder: TensorTableBuilder; entries: Record<string, string> } {
  const { keys, values } = parseHeaderJson(text, file);
  const builder = new TensorTableBuilder(file, dataSize);
  let entries: Record<string, string> = {};
  for (let index = 0; index < keys.length; index++) {
    const name = keys[index]!;
    if (name === METADATA_KEY) entries = readMetadata(values[index], file);
    else builder.addEntry(name, values[index]);
  }
  return { builder, entries };
}

/** Bytes validated per decoder call: the header's text is never made whole just to check it. */
const UTF8_CHUNK = 1 << 20;

/** Throws `malformed-file` unless `bytes` are valid UTF-8, holding one chunk of text at a time. */
function checkUtf8(bytes: Uint8Array, file: string): void {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    for (let start = 0; start < bytes.byteLength; start += UTF8_CHUNK) {
      decoder.decode(bytes.subarray(start, Math.min(bytes.byteLength, start + UTF8_CHUNK)), { stream: true });
    }
    decoder.decode();
  } catch (error) {
    malformed(file, 'header', 'the header is not valid UTF-8', error);
  }
}

/** The top-level pairs of a header by the general path: strict JSON, every error named. */
function parseHeaderJson(text: string, file: string): { keys: string[]; values: unknown[] } {
  const parsed = parseStrictJson(text);
  if ('kind' in parsed) {
    if (parsed.kind === 'syntax') malformed(file, 'header', `the header is not JSON (${parsed.message})`);
    if (parsed.kind === 'too-deep') malformed(file, 'header', 'the header nests too deep');
    const field = parsed.path.length === 0 ? 'header' : headerField(parsed.path[0]!, ...parsed.path.slice(1));
    malformed(file, field, `the key ${JSON.stringify(parsed.key)} appears twice`);
  }
  if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    malformed(file, 'header', `expected a JSON object, got ${describeValue(parsed.value)}`);
  }
  const record = parsed.value as Record<string, unknown>;
  return { keys: [...parsed.keys], values: parsed.keys.map((key) => record[key]) };
}

function readMetadata(value: unknown, file: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    malformed(file, headerField(METADATA_KEY), `expected a map of strings to strings, got ${describeValue(value)}`);
  }
  const entries: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      malformed(file, metadataField(key), `metadata values must be strings, got ${describeValue(entry)}`);
    }
    // As for tensor names: a lone surrogate has no UTF-8 form, so the entry could not be written back.
    if (!isWellFormedName(key) || !isWellFormedName(entry)) {
      malformed(file, metadataField(key), 'metadata keys and values must not hold lone surrogates');
    }
    setEntry(entries, key, entry);
  }
  return entries;
}

/**
 * `length` bytes from `offset`, checking that the source kept its promise.
 *
 * @example
 * ```ts
 * const prefix = await readExactly(source, 0, 8);
 * ```
 */
export async function readExactly(source: ByteSource, offset: number, length: number): Promise<Uint8Array> {
  const bytes = await source.read(offset, length);
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== length) {
    throw new WhittleError('malformed-file', `reading ${length} bytes at ${offset} returned ${describeValue(bytes)}`, {
      file: source.name,
    });
  }
  return bytes;
}
