/**
 * Planning a safetensors file before writing it. The header comes first and holds every tensor's
 * offsets, so it needs every name, dtype and shape up front; an encoding's metadata (from
 * `encodingParts`) says all of that without any bytes. A plan lays out each param's tensors in
 * param order, contiguous from offset 0, and renders the header, padded with spaces so that the
 * data section starts 8-byte aligned.
 */
import { encodingParts } from '../../encoding/serialize.ts';
import type { EncodingMetadata } from '../../encoding/metadata.ts';
import type { Encoding } from '../../encoding/types.ts';
import { WhittleError } from '../../errors.ts';
import { bytesPerElement, isDType, type DType } from '../../tensor/dtype.ts';
import { describeValue, shapeSize } from '../../tensor/shape.ts';
import { bufferReferences } from './buffer-references.ts';
import { Column } from './column.ts';
import { toSafetensorsDType } from './dtypes.ts';
import { MAX_SAFETENSORS_HEADER_SIZE } from './header.ts';
import {
  safetensorsComponentName,
  safetensorsEncodingKey,
  SAFETENSORS_ENCODING_PREFIX,
  isWellFormedName,
  METADATA_KEY,
} from './naming.ts';
import { NameIndex } from './name-index.ts';
import type { SafetensorsTensorInfo } from './tensor-entries.ts';
import type { TensorTable } from './tensor-table.ts';

/** What the header must say about one param before its bytes are written. */
export interface SafetensorsParamLayout {
  readonly name: string;
  /** Its encoding's metadata as `encodingParts` gives it (buffer names relative to the param). */
  readonly encoding: EncodingMetadata;
}

/** One tensor of a plan: its header entry and the `encodingParts` buffer that fills it. */
export interface SafetensorsPlannedTensor extends SafetensorsTensorInfo {
  readonly buffer: string;
}

/** One param of a plan, with its tensors in the order they are written. */
export interface SafetensorsPlannedParam {
  readonly name: string;
  readonly encoding: EncodingMetadata;
  readonly tensors: readonly SafetensorsPlannedTensor[];
}

/** A laid-out safetensors file: the header bytes to write first, then each param's tensors. */
export interface SafetensorsPlan {
  /** The 8-byte little-endian header size and the padded JSON header. */
  readonly header: Uint8Array;
  readonly params: readonly SafetensorsPlannedParam[];
  /** Bytes of the data section. */
  readonly dataSize: number;
  /** Bytes of the whole file. */
  readonly byteLength: number;
}

/** Options of {@link planSafetensors}. */
export interface SafetensorsPlanOptions {
  /** Written to `__metadata__`; keys starting with `whittle:` are reserved. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * The layout of a param, from its encoding's metadata: what a plan needs, without the bytes.
 *
 * @example
 * ```ts
 * const layouts = [...model.params.values()].map(safetensorsParamLayout);
 * ```
 */
export function safetensorsParamLayout(param: {
  readonly name: string;
  readonly value: Encoding;
}): SafetensorsParamLayout {
  return { name: param.name, encoding: encodingParts(param.value).metadata };
}

/**
 * Lays out a safetensors file for params of the given layouts, in order. A dense param is one
 * tensor under its own name; other encodings are component tensors `<param>#<buffer>`, widest
 * dtype first (so they stay aligned when the param starts aligned), described by
 * `__metadata__["whittle:<param>"]` (see naming.ts). Throws `invalid-argument` for a bad or
 * clashing name, bad metadata, or a header over {@link MAX_SAFETENSORS_HEADER_SIZE}.
 *
 * @example
 * ```ts
 * const plan = planSafetensors([safetensorsParamLayout(param)], { metadata: { format: 'pt' } });
 * plan.header.byteLength % 8; // 0
 * ```
 */
export function planSafetensors(
  layouts: Iterable<SafetensorsParamLayout>,
  options: SafetensorsPlanOptions = {}
): SafetensorsPlan {
  const metadata = checkMetadata(options.metadata ?? {});
  const names = new Set<string>();
  const params: SafetensorsPlannedParam[] = [];
  let offset = 0;
  let index = 0;
  for (const layout of layouts) {
    const tensors = layoutTensors(layout, `params[${index}]`).map((tensor): SafetensorsPlannedTensor => {
      if (names.has(tensor.name))
        fail(`the tensor name ${JSON.stringify(tensor.name)} is used twice`, `params[${index}].name`);
      names.add(tensor.name);
      const dataOffsets = [offset, offset + tensor.byteLength] as const;
      offset += tensor.byteLength;
      return {
        name: tensor.name,
        dtype: toSafetensorsDType(tensor.dtype),
        shape: tensor.shape,
        dataOffsets,
        buffer: tensor.buffer,
      };
    });
    params.push({ name: layout.name, encoding: layout.encoding, tensors });
    if (layout.encoding.kind !== 'dense')
      metadata.push([safetensorsEncodingKey(layout.name), JSON.stringify(layout.encoding)]);
    index++;
  }
  const header = renderHeader(metadata, params);
  return { header, params, dataSize: offset, byteLength: header.byteLength + offset };
}

/** Characters of a dense entry's text besides its name, dtype and numbers: `"":{"dtype":"","shape":[],"data_offsets":[,]}`. */
const ENTRY_FIXED_LENGTH = '":{"dtype":"","shape":[],"data_offsets":[,]}'.length;

/** True when `text` is printable ASCII with no quote or backslash: its JSON string is itself in quotes. */
function isPlainJsonText(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/** Bytes of a block of rendered {@link KeptEntries}. */
const KEPT_BLOCK_SIZE = 1 << 20;

/** A rank that says "the shape of the entry before". */
const SAME_SHAPE = 255;

/**
 * Dense entries of params named as the stream's known names say, from the first param on, in
 * columns: a dtype, a shape (stored only when it differs from the one before) and an end offset
 * each; names come back from the known names when the entries are written out.
 */
class KeptEntries {
  count = 0;
  private readonly dtypeNames: string[] = [];
  private readonly dtypes = new Column(new Uint8Array(1024), (length) => new Uint8Array(length));
  private readonly ranks = new Column(new Uint8Array(1024), (length) => new Uint8Array(length));
  private readonly dims = new Column(new Float64Array(64), (length) => new Float64Array(length));
  private readonly ends = new Column(new Float64Array(1024), (length) => new Float64Array(length));
  private lastShape: readonly number[] = [];

  /** Adds an entry whose name has `nameLength` characters; returns its bytes in the header, comma included. */
  add(dtype: string, shape: readonly number[], begin: number, end: number, nameLength: number): number {
    let code = this.dtypeNames.indexOf(dtype);
    if (code < 0) code = this.dtypeNames.push(dtype) - 1;
    this.dtypes.push(code);
    const same = this.count > 0 && sameDimensions(shape, this.lastShape);
    if (same) this.ranks.push(SAME_SHAPE);
    else {
      this.ranks.push(shape.length);
      for (const dimension of shape) this.dims.push(dimension);
      this.lastShape = shape;
    }
    this.ends.push(end);
    let length = (this.count > 0 ? 1 : 0) + 1 + nameLength + ENTRY_FIXED_LENGTH + dtype.length + Math.max(0, shape.length - 1);
    for (const dimension of shape) length += numberLength(dimension);
    this.count++;
    return length + numberLength(begin) + numberLength(end);
  }

  /** The entries' text, commas between them, in blocks of about a megabyte, each a fresh array. */
  *render(names: (index: number) => string | undefined): Generator<Uint8Array> {
    const shape: number[] = [];
    let dimsAt = 0;
    let begin = 0;
    let block = new Uint8Array(KEPT_BLOCK_SIZE);
    let at = 0;
    for (let index = 0; index < this.count; index++) {
      const rank = this.ranks.values[index]!;
      if (rank !== SAME_SHAPE) {
        shape.length = rank;
        for (let axis = 0; axis < rank; axis++) shape[axis] = this.dims.values[dimsAt++]!;
      }
      const name = names(index)!;
      const dtype = this.dtypeNames[this.dtypes.values[index]!]!;
      const size = denseEntryMaxLength(name, dtype, shape.length);
      if (at + size > block.byteLength) {
        yield block.subarray(0, at);
        block = new Uint8Array(Math.max(KEPT_BLOCK_SIZE, size));
        at = 0;
      }
      const end = this.ends.values[index]!;
      at = writeDenseEntry(block, at, index > 0, name, dtype, shape, begin, end);
      begin = end;
    }
    if (at > 0) yield block.subarray(0, at);
  }
}

function sameDimensions(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let axis = 0; axis < a.length; axis++) if (a[axis] !== b[axis]) return false;
  return true;
}

/** Most bytes {@link writeDenseEntry} writes: a comma, the quoted name, the fixed text, the dtype and 16 characters a number. */
function denseEntryMaxLength(name: string, dtype: string, rank: number): number {
  return 1 + name.length + 2 + ENTRY_FIXED_LENGTH + dtype.length + 17 * (rank + 2);
}

/**
 * Writes a dense entry, `"name":{"dtype":…,"shape":[…],"data_offsets":[begin,end]}` after a comma
 * when `comma`, into `bytes` at `at` (room for {@link denseEntryMaxLength}); `name` needs no
 * escape. Returns where it ends.
 */
function writeDenseEntry(
  bytes: Uint8Array,
  from: number,
  comma: boolean,
  name: string,
  dtype: string,
  shape: readonly number[],
  begin: number,
  end: number,
): number {
  let at = from;
  if (comma) bytes[at++] = 0x2c;
  bytes[at++] = 0x22;
  for (let offset = 0; offset < name.length; offset++) bytes[at++] = name.charCodeAt(offset);
  at = writeAscii(bytes, at, '":{"dtype":"');
  at = writeAscii(bytes, at, dtype);
  at = writeAscii(bytes, at, '","shape":[');
  for (let axis = 0; axis < shape.length; axis++) {
    if (axis > 0) bytes[at++] = 0x2c;
    at = writeNumber(bytes, at, shape[axis]!);
  }
  at = writeAscii(bytes, at, '],"data_offsets":[');
  at = writeNumber(bytes, at, begin);
  bytes[at++] = 0x2c;
  at = writeNumber(bytes, at, end);
  bytes[at++] = 0x5d;
  bytes[at++] = 0x7d;
  return at;
}

/** Writes ASCII `text` into `bytes` at `at`; returns where it ends. */
function writeAscii(bytes: Uint8Array, at: number, text: string): number {
  for (let offset = 0; offset < text.length; offset++) bytes[at + offset] = text.charCodeAt(offset);
  return at + text.length;
}

/** Writes `String(value)` into `bytes` at `at` (digits alone for the non-negative integers a header holds); returns where it ends. */
function writeNumber(bytes: Uint8Array, at: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) return writeAscii(bytes, at, String(value));
  let end = at + 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) end++;
  let rest = value;
  for (let position = end - 1; position >= at; position--) {
    bytes[position] = 0x30 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return end;
}

/** Options of a {@link SafetensorsHeaderPlanner}. */
export interface HeaderPlannerOptions extends SafetensorsPlanOptions {
  /**
   * The name param `index` of the stream has when it keeps its name, or undefined when unknown:
   * the names of a file being rewritten. The names given must be distinct.
   */
  readonly knownNames?: (index: number) => string | undefined;
}

/** Tensor entries joined per batch before a {@link SafetensorsHeaderPlanner} encodes them. */
const ENTRIES_PER_CHUNK = 4096;

/** Bytes per block of a planner's encoded entries: a batch of entries wastes little of one. */
const BLOCK_SIZE = 4 << 20;

/** A header in pieces which joined are the header: the 8-byte size first, then the padded JSON. */
export interface SafetensorsHeaderParts {
  /** Bytes of the whole header, the 8-byte size included. */
  readonly byteLength: number;
  /**
   * The pieces in order; the first is the 8-byte size. Some are made as they are asked for (each
   * a fresh array), so a header of a million entries need not be held whole; iterable again.
   */
  readonly parts: Iterable<Uint8Array>;
}

/**
 * Plans a header one param at a time, for a stream whose layouts are known only as it goes: each
 * param's tensor entries are rendered as it comes and kept as UTF-8 bytes in blocks of a
 * few megabytes, its names in a {@link NameIndex}, so a million params leave a few blocks and typed
 * arrays rather than a layout, a planned param, a set entry or a string each, and the header is
 * handed out in pieces (see {@link SafetensorsHeaderPlanner.headerParts}) rather than copied
 * whole. The header it renders is the one {@link planSafetensors} renders for the same layouts.
 *
 * @example
 * ```ts
 * const planner = new SafetensorsHeaderPlanner({ metadata });
 * planner.add(safetensorsParamLayout(param), 0);
 * const header = planner.header();
 * ```
 */
export class SafetensorsHeaderPlanner {
  /** Bytes of the data section laid out so far. */
  dataSize = 0;
  private readonly metadata: [string, string][];
  private readonly names = new NameIndex();
  private entries: string[] = [];
  /** Entries encoded so far, commas between them: full blocks, and the one being filled. */
  private readonly blocks: Uint8Array[] = [];
  private block = new Uint8Array(0);
  private blockUsed = 0;
  private entryBytes = 0;
  private readonly encoder = new TextEncoder();

  /** Names the stream's params are expected to keep, by index (see {@link HeaderPlannerOptions.knownNames}). */
  private readonly knownNames: ((index: number) => string | undefined) | undefined;
  /** How many params in a row, from the first, were dense and named as `knownNames` says: none of them is in `names` yet. */
  private following = 0;
  /**
   * The entries of those params, in columns: their text (80 MB for a million tiny tensors) is
   * made only as the header is written out, a block at a time. They come first in the header.
   */
  private readonly kept = new KeptEntries();

  constructor(options: HeaderPlannerOptions = {}) {
    this.metadata = checkMetadata(options.metadata ?? {});
    this.knownNames = options.knownNames;
  }

  /**
   * Adds a tensor name for param `index`; false when it is taken. While every param from the
   * first is dense and keeps its known name, the names are distinct by what `knownNames`
   * promises and are not indexed: a million of them would each cost a hash-table entry. The first
   * param that does otherwise puts those before it into the index.
   */
  private addName(name: string): boolean {
    if (this.following > 0) for (let known = 0; known < this.following; known++) this.names.add(this.knownNames!(known)!);
    this.following = -1;
    return this.names.add(name);
  }

  /** True (and counted) when param `index` is the next of a run from the first that keep their known names. */
  private keepsKnownName(name: string, index: number): boolean {
    if (this.following < 0 || this.knownNames === undefined || index !== this.following || this.knownNames(index) !== name) return false;
    this.following++;
    return true;
  }

  /**
   * Lays out the next param (`index` for error fields) after those before it; returns its
   * tensors, in the order their bytes must follow.
   */
  add(layout: SafetensorsParamLayout, index: number): ReturnType<typeof layoutTensors> {
    const tensors = layoutTensors(layout, `params[${index}]`);
    for (const tensor of tensors) {
      if (!this.addName(tensor.name)) fail(`the tensor name ${JSON.stringify(tensor.name)} is used twice`, `params[${index}].name`);
      const dataOffsets = [this.dataSize, this.dataSize + tensor.byteLength] as const;
      this.dataSize += tensor.byteLength;
      this.pushEntry(`${JSON.stringify(tensor.name)}:${tensorEntryJson({ dtype: toSafetensorsDType(tensor.dtype), shape: tensor.shape, dataOffsets })}`);
    }
    if (layout.encoding.kind !== 'dense') this.metadata.push([safetensorsEncodingKey(layout.name), JSON.stringify(layout.encoding)]);
    return tensors;
  }

  /**
   * Lays out the next param when it is dense (`index` for error fields): one tensor under its
   * own name, as {@link add} lays out its layout, without the layout's metadata objects.
   * Returns its bytes in the data.
   */
  addDense(name: string, dtype: DType, shape: readonly number[], index: number): number {
    // A name of printable ASCII needing no escape (nearly every one) is well-formed and is its
    // own JSON text: its entry is written as bytes, with no text made for it.
    const plainName = typeof name === 'string' && isPlainJsonText(name);
    if (!plainName || name.length === 0 || name === METADATA_KEY) checkParamName(name, `params[${index}]`);
    const byteLength = shapeSize(shape, {}) * bytesPerElement(dtype);
    const safetensorsDType = toSafetensorsDType(dtype);
    if (plainName && this.keepsKnownName(name, index)) {
      // Kept in columns and written out with the header: the entry of a name the input had.
      this.entryBytes += this.kept.add(safetensorsDType, shape, this.dataSize, this.dataSize + byteLength, name.length);
      this.dataSize += byteLength;
      return byteLength;
    }
    if (!this.addName(name)) fail(`the tensor name ${JSON.stringify(name)} is used twice`, `params[${index}].name`);
    const begin = this.dataSize;
    this.dataSize += byteLength;
    if (!plainName) {
      this.pushEntry(`${JSON.stringify(name)}:${tensorEntryJson({ dtype: safetensorsDType, shape, dataOffsets: [begin, this.dataSize] })}`);
      return byteLength;
    }
    // Entries made as text before this one go first.
    this.encodeEntries();
    this.reserve(denseEntryMaxLength(name, safetensorsDType, shape.length));
    const at = writeDenseEntry(this.block, this.blockUsed, this.entryBytes > 0, name, safetensorsDType, shape, begin, this.dataSize);
    this.entryBytes += at - this.blockUsed;
    this.blockUsed = at;
    return byteLength;
  }

  /** Makes room for `size` more bytes in the block being filled. */
  private reserve(size: number): void {
    if (this.blockUsed + size <= this.block.byteLength) return;
    if (this.blockUsed > 0) this.blocks.push(this.block.subarray(0, this.blockUsed));
    this.block = new Uint8Array(Math.max(BLOCK_SIZE, size));
    this.blockUsed = 0;
  }

  /** The 8-byte size and the padded JSON header of the params added, whole. */
  header(): Uint8Array {
    const { byteLength, parts } = this.headerParts();
    const header = new Uint8Array(byteLength);
    let at = 0;
    for (const part of parts) {
      header.set(part, at);
      at += part.byteLength;
    }
    return header;
  }

  /**
   * {@link header} in pieces, most of them views of the planner's blocks: a header of a million
   * entries is written out piece by piece rather than copied into one buffer first.
   */
  headerParts(): SafetensorsHeaderParts {
    this.encodeEntries();
    if (this.blockUsed > 0) this.blocks.push(this.block.subarray(0, this.blockUsed));
    this.block = new Uint8Array(0);
    this.blockUsed = 0;
    // Built by hand: JSON.stringify of an object would move integer-like names ("0") to the front.
    const pairs = this.metadata.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
    const metadata = this.metadata.length > 0 ? this.encoder.encode(`${JSON.stringify(METADATA_KEY)}:{${pairs.join(',')}}`) : new Uint8Array(0);
    const both = metadata.byteLength > 0 && this.entryBytes > 0;
    const jsonSize = 2 + metadata.byteLength + (both ? 1 : 0) + this.entryBytes;
    const headerSize = jsonSize + ((8 - ((8 + jsonSize) % 8)) % 8);
    checkHeaderSize(headerSize);
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(headerSize), true);
    const open = Uint8Array.of(0x7b);
    const close = new Uint8Array(1 + headerSize - jsonSize).fill(0x20);
    close[0] = 0x7d;
    const before = [prefix, open, metadata, ...(both ? [Uint8Array.of(0x2c)] : [])].filter((part) => part.byteLength > 0);
    const after = [...this.blocks, close].filter((part) => part.byteLength > 0);
    const kept = this.kept;
    const knownNames = this.knownNames;
    return {
      byteLength: 8 + headerSize,
      parts: {
        *[Symbol.iterator]() {
          yield* before;
          if (kept.count > 0) yield* kept.render(knownNames!);
          yield* after;
        },
      },
    };
  }

  private pushEntry(entry: string): void {
    this.entries.push(entry);
    if (this.entries.length === ENTRIES_PER_CHUNK) this.encodeEntries();
  }

  /** Encodes the entries not yet encoded, as one text, into the blocks. */
  private encodeEntries(): void {
    if (this.entries.length === 0) return;
    const text = (this.entryBytes > 0 ? ',' : '') + this.entries.join(',');
    this.entries = [];
    // Encoded straight into the block; only text that does not fit there is measured, for a new
    // block it fits (names are well-formed and JSON escapes what is not, so utf8Length is exact).
    let { read, written } = this.encoder.encodeInto(text, this.block.subarray(this.blockUsed));
    if (read < text.length) {
      const size = utf8Length(text);
      if (this.blockUsed > 0) this.blocks.push(this.block.subarray(0, this.blockUsed));
      this.block = new Uint8Array(Math.max(BLOCK_SIZE, size));
      this.blockUsed = 0;
      ({ read, written } = this.encoder.encodeInto(text, this.block));
    }
    this.blockUsed += written;
    this.entryBytes += written;
  }
}

/**
 * A layout's tensors in the order they are written, before offsets. Checks the layout and
 * throws `invalid-argument` naming `field`.
 *
 * @example
 * ```ts
 * layoutTensors(safetensorsParamLayout(param), 'params[0]').map((tensor) => tensor.name); // ['w#scales', 'w#codes']
 * ```
 */
export function layoutTensors(
  layout: SafetensorsParamLayout,
  field: string
): { name: string; buffer: string; dtype: DType; shape: number[]; byteLength: number }[] {
  if (typeof layout !== 'object' || layout === null) fail(`expected a param, got ${describeValue(layout)}`, field);
  const { name, encoding } = layout;
  checkParamName(name, field);
  if (typeof encoding !== 'object' || encoding === null || typeof encoding.kind !== 'string') {
    fail(`expected encoding metadata, got ${describeValue(encoding)}`, `${field}.encoding`);
  }
  const references = bufferReferences(encoding, (message, path) => fail(message, `${field}.encoding.${path}`));
  if (encoding.kind === 'dense' && references.length !== 1)
    fail('a dense encoding has one tensor', `${field}.encoding`);
  const tensors = references.map((reference) => {
    const at = `${field}.encoding.${reference.path}`;
    if (!isDType(reference.dtype)) fail(`unknown dtype ${describeValue(reference.dtype)}`, `${at}.dtype`);
    let size: number;
    try {
      size = shapeSize(reference.shape, {});
    } catch (error) {
      throw error instanceof WhittleError
        ? new WhittleError('invalid-argument', error.message, { field: `${at}.shape` })
        : error;
    }
    return {
      name: encoding.kind === 'dense' ? name : safetensorsComponentName(name, reference.buffer),
      buffer: reference.buffer,
      dtype: reference.dtype,
      shape: [...(reference.shape as number[])],
      byteLength: size * bytesPerElement(reference.dtype),
    };
  });
  return tensors.sort((a, b) => bytesPerElement(b.dtype) - bytesPerElement(a.dtype));
}

function checkHeaderSize(headerSize: number): void {
  if (headerSize > MAX_SAFETENSORS_HEADER_SIZE) {
    fail(
      `the header would take ${headerSize} bytes, over the ${MAX_SAFETENSORS_HEADER_SIZE}-byte limit readers accept`,
      'params'
    );
  }
}

function checkParamName(name: unknown, field: string): void {
  if (typeof name !== 'string' || name.length === 0 || name === METADATA_KEY || !isWellFormedName(name)) {
    fail(
      `a param needs a non-empty, well-formed name other than ${METADATA_KEY}, got ${describeValue(name)}`,
      `${field}.name`
    );
  }
}

function checkMetadata(metadata: Readonly<Record<string, string>>): [string, string][] {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    fail(`metadata must map strings to strings, got ${describeValue(metadata)}`, 'metadata');
  }
  return Object.entries(metadata).map(([key, value]) => {
    const field = `metadata[${JSON.stringify(key)}]`;
    if (typeof value !== 'string' || !isWellFormedName(value))
      fail(`expected a well-formed string, got ${describeValue(value)}`, field);
    if (!isWellFormedName(key)) fail('metadata keys must be well-formed strings', field);
    if (key.startsWith(SAFETENSORS_ENCODING_PREFIX))
      fail(`keys starting with ${SAFETENSORS_ENCODING_PREFIX} are whittle's own`, field);
    return [key, value];
  });
}

function renderHeader(metadata: readonly [string, string][], params: readonly SafetensorsPlannedParam[]): Uint8Array {
  const entries: string[] = [];
  for (const param of params) {
    for (const tensor of param.tensors) entries.push(`${JSON.stringify(tensor.name)}:${tensorEntryJson(tensor)}`);
  }
  return renderHeaderText(metadata, entries);
}

/** The header of `metadata` and tensor entries (each `"name":{…}`, or several joined by commas). */
function renderHeaderText(metadata: readonly [string, string][], tensorEntries: readonly string[]): Uint8Array {
  // Built by hand: JSON.stringify of an object would move integer-like names ("0") to the front.
  const parts: string[] = [];
  if (metadata.length > 0) {
    const pairs = metadata.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${pairs.join(',')}}`);
  }
  for (const entry of tensorEntries) if (entry.length > 0) parts.push(entry);
  // Each part is encoded straight into the header: no text of the whole header (a million
  // entries make tens of megabytes) is made beside it.
  let jsonSize = 2 + Math.max(0, parts.length - 1);
  for (const part of parts) jsonSize += utf8Length(part);
  const headerSize = jsonSize + ((8 - ((8 + jsonSize) % 8)) % 8);
  checkHeaderSize(headerSize);
  const header = new Uint8Array(8 + headerSize).fill(0x20, 8 + jsonSize);
  new DataView(header.buffer).setBigUint64(0, BigInt(headerSize), true);
  const encoder = new TextEncoder();
  let at = 8;
  header[at++] = 0x7b;
  parts.forEach((part, index) => {
    if (index > 0) header[at++] = 0x2c;
    at += encoder.encodeInto(part, header.subarray(at)).written;
  });
  header[at] = 0x7d;
  return header;
}

/**
 * Bytes of `text` in UTF-8, without encoding it (a header may list a million tensors).
 *
 * @example
 * ```ts
 * utf8Length('é1'); // 3
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // Two bytes below U+0800, three above; a surrogate pair's four bytes are two units of two.
    if (code >= 0x80) bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/**
 * Bytes of `JSON.stringify(text)` in UTF-8, counted without making it: quotes, the two-character
 * escapes (`\"`, `\\`, `\n`…), six for other control characters and lone surrogates.
 *
 * @example
 * ```ts
 * jsonStringUtf8Length('a"é'); // 7: "a\"é"
 * ```
 */
export function jsonStringUtf8Length(text: string): number {
  let bytes = 2 + text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x20 && code < 0x80) {
      if (code === 0x22 || code === 0x5c) bytes += 1;
    } else if (code < 0x20) {
      bytes += code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 1 : 5;
    } else if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length && isLowSurrogate(text.charCodeAt(index + 1))) {
      // A pair: four bytes for two units.
      bytes += 2;
      index++;
    } else if (code >= 0xd800 && code <= 0xdfff) bytes += 5;
    else bytes += 2;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Characters of tensor `index`'s entry as {@link tensorEntryJson} writes it, counted from the
 * table's columns without making it (all ASCII, so also its bytes).
 *
 * @example
 * ```ts
 * tensorEntryJsonLength(header.columns.tensors, 0); // 53 for {"dtype":"F32","shape":[1,1],"data_offsets":[0,4]}
 * ```
 */
export function tensorEntryJsonLength(tensors: TensorTable, index: number): number {
  // {"dtype":"  ","shape":[  ],"data_offsets":[  ,  ]}
  let length = 10 + tensors.dtype(index).length + 11 + 18 + 1 + 2;
  const rank = tensors.rank(index);
  for (let axis = 0; axis < rank; axis++) length += (axis > 0 ? 1 : 0) + numberLength(tensors.dimension(index, axis));
  return length + numberLength(tensors.begin(index)) + numberLength(tensors.end(index));
}

/** Characters of `String(value)`, counted for the non-negative integers a header holds. */
function numberLength(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) return String(value).length;
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/**
 * A tensor's header entry as `JSON.stringify` would write it, without building an object per
 * tensor: a header may list a million. Dtypes are plain ASCII names and offsets and dimensions
 * integers, so nothing needs escaping.
 *
 * @example
 * ```ts
 * tensorEntryJson({ dtype: 'F32', shape: [2], dataOffsets: [0, 8] }); // '{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'
 * ```
 */
export function tensorEntryJson(tensor: Pick<SafetensorsTensorInfo, 'dtype' | 'shape' | 'dataOffsets'>): string {
  return `{"dtype":"${tensor.dtype}","shape":[${tensor.shape.join(',')}],"data_offsets":[${tensor.dataOffsets[0]},${tensor.dataOffsets[1]}]}`;
}

function fail(message: string, field: string): never {
  throw new WhittleError('invalid-argument', message, { field });
}
