/**
 * A header's tensors in columns: names in one string table, dtypes, shapes and offsets in typed
 * arrays, and a name index in one Int32Array, instead of an object, two arrays and two map
 * entries per tensor. A header of a million tiny tensors then takes tens of megabytes, not
 * hundreds. Internal to the safetensors folder (the header's `tensors` map is a view of it).
 */
import { MAX_ELEMENTS, MAX_EXTENT, MAX_RANK } from '../../tensor/shape-limits.ts';
import { safetensorsDTypeBits, type SafetensorsDType } from './dtypes.ts';
import { malformed } from './malformed.ts';
import { Column } from './column.ts';
import { headerField } from './naming.ts';
import { decodeUtf8 } from './plain-header.ts';
import { readTensorEntry, type SafetensorsTensorInfo } from './tensor-entries.ts';

/** Every dtype the format defines, in code order: a tensor's dtype is its index here. */
const DTYPES: readonly SafetensorsDType[] = [
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'I16',
  'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64',
];
const DTYPE_CODES = new Map<string, number>(DTYPES.map((dtype, code) => [dtype, code]));
const DTYPE_BITS = Uint8Array.from(DTYPES, safetensorsDTypeBits);

const doubles = (): Column<Float64Array> => new Column(new Float64Array(1024), (length) => new Float64Array(length));
const integers = (): Column<Uint32Array> => new Column(new Uint32Array(1024), (length) => new Uint32Array(length));
const bytes = (): Column<Uint8Array> => new Column(new Uint8Array(1024), (length) => new Uint8Array(length));

/**
 * Collects a header's tensor entries one at a time, checking each as `readTensorEntry` does (an
 * entry that fails is handed to it, so the error is exactly its own), then sorts them into file
 * order, checks that none overlap, and indexes their names.
 */
export class TensorTableBuilder {
  /** Names given whole (the general path); the plain path gives ranges of the header's UTF-8 bytes instead. */
  private readonly names: string[] = [];
  private nameBytes: Uint8Array = new Uint8Array(0);
  private readonly nameStarts = integers();
  private readonly nameEnds = integers();
  private readonly dtypes = bytes();
  private readonly begins = doubles();
  private readonly ends = doubles();
  private readonly shapeStarts = integers();
  private readonly dims = doubles();

  constructor(
    private readonly file: string,
    private readonly dataSize: number,
  ) {
    this.shapeStarts.push(0);
  }

  /** Adds an entry parsed by the general JSON path: checked by `readTensorEntry`. */
  addEntry(name: string, value: unknown): void {
    const info = readTensorEntry(name, value, this.file, this.dataSize);
    this.push(name, DTYPE_CODES.get(info.dtype)!, info.shape, info.dataOffsets[0], info.dataOffsets[1]);
  }

  /**
   * Adds an entry from the plain fast path: `shape` and `offsets` are lists of non-negative
   * integers of at most 15 digits, or undefined when the entry lacked the field; `dtype` may be
   * anything. The name came from valid UTF-8 without escapes, so it has no lone surrogates.
   */
  addPlain(
    bytes: Uint8Array,
    nameStart: number,
    nameEnd: number,
    dtype: string | undefined,
    shape: readonly number[] | undefined,
    offsets: readonly number[] | undefined,
  ): void {
    const code = dtype === undefined ? undefined : DTYPE_CODES.get(dtype);
    let valid = nameEnd > nameStart && code !== undefined && shape !== undefined && offsets !== undefined && offsets.length === 2;
    if (valid) {
      const [begin, end] = offsets as [number, number];
      const size = plainShapeSize(shape!);
      valid = size >= 0;
      const bits = size * DTYPE_BITS[code!]!;
      valid &&= begin <= end && end <= this.dataSize && bits % 8 === 0 && bits / 8 === end - begin;
      if (valid) {
        this.nameBytes = bytes;
        this.nameStarts.push(nameStart);
        this.nameEnds.push(nameEnd);
        this.pushColumns(code!, shape!, begin, end);
        return;
      }
    }
    const name = decodeUtf8(bytes, nameStart, nameEnd);
    // Something is wrong: the general check says exactly what.
    const entry: Record<string, unknown> = {};
    if (dtype !== undefined) entry.dtype = dtype;
    if (shape !== undefined) entry.shape = [...shape];
    if (offsets !== undefined) entry.data_offsets = [...offsets];
    // Should readTensorEntry accept what the fast check refused, its verdict stands.
    const info = readTensorEntry(name, entry, this.file, this.dataSize);
    this.push(name, DTYPE_CODES.get(info.dtype)!, info.shape, info.dataOffsets[0], info.dataOffsets[1]);
  }

  /** The plain path's names, in file order, as one string decoded once, and where each starts in it. */
  private decodeNames(count: number, at: (index: number) => number): { nameText: string; nameStarts: Uint32Array } {
    const starts = this.nameStarts.values;
    const ends = this.nameEnds.values;
    let size = 0;
    for (let index = 0; index < count; index++) size += ends[index]! - starts[index]!;
    const bytes = new Uint8Array(size);
    const byteStarts = new Uint32Array(count + 1);
    const nameBytes = this.nameBytes;
    for (let index = 0; index < count; index++) {
      const source = at(index);
      // Copied a byte at a time: names are short, and a view per name would be a million objects.
      let to = byteStarts[index]!;
      for (let from = starts[source]!; from < ends[source]!; from++) bytes[to++] = nameBytes[from]!;
      byteStarts[index + 1] = to;
    }
    const nameText = new TextDecoder().decode(bytes);
    if (nameText.length === size) return { nameText, nameStarts: byteStarts };
    // Not all ASCII: count each name's UTF-16 units from its bytes (one per sequence, two for four-byte ones).
    const nameStarts = new Uint32Array(count + 1);
    for (let index = 0; index < count; index++) {
      let units = 0;
      for (let offset = byteStarts[index]!; offset < byteStarts[index + 1]!; offset++) {
        const byte = bytes[offset]!;
        if (byte < 0x80 || byte >= 0xc0) units += byte >= 0xf0 ? 2 : 1;
      }
      nameStarts[index + 1] = nameStarts[index]! + units;
    }
    return { nameText, nameStarts };
  }

  private push(name: string, code: number, shape: readonly number[], begin: number, end: number): void {
    this.names.push(name);
    this.pushColumns(code, shape, begin, end);
  }

  private pushColumns(code: number, shape: readonly number[], begin: number, end: number): void {
    this.dtypes.push(code);
    this.begins.push(begin);
    this.ends.push(end);
    for (const dimension of shape) this.dims.push(dimension);
    this.shapeStarts.push(this.dims.length);
  }

  /**
   * The table, in file order (by begin offset; text order between equal begins). Throws
   * `malformed-file` when two tensors share a byte; `onDuplicate` is called with a name that
   * appears twice (and must throw).
   */
  build(onDuplicate: (name: string) => never): TensorTable {
    const count = this.dtypes.length;
    let order: Uint32Array | undefined;
    const begins = this.begins.values;
    for (let index = 1; index < count; index++) {
      if (begins[index]! < begins[index - 1]!) {
        order = Uint32Array.from({ length: count }, (_, at) => at).sort((a, b) => begins[a]! - begins[b]! || a - b);
        break;
      }
    }
    const at = (index: number): number => (order === undefined ? index : order[index]!);
    // One builder is fed by one path: whole names from the general one, byte ranges from the plain one.
    const { nameText, nameStarts } = this.names.length === count ? joinNames(count, (index) => this.names[at(index)]!) : this.decodeNames(count, at);
    if (order === undefined) {
      // Already in file order, as nearly every file is: the columns are kept as they are, not copied.
      const table = new TensorTable(
        this.file,
        nameText,
        nameStarts,
        this.dtypes.view(),
        this.begins.view(),
        this.ends.view(),
        this.shapeStarts.view(),
        this.dims.view(),
        onDuplicate,
      );
      table.checkNoOverlap();
      return table;
    }
    const dtypes = new Uint8Array(count);
    const tensorBegins = new Float64Array(count);
    const tensorEnds = new Float64Array(count);
    const shapeStarts = new Uint32Array(count + 1);
    const dims = new Float64Array(this.dims.length);
    for (let index = 0; index < count; index++) {
      const source = at(index);
      dtypes[index] = this.dtypes.values[source]!;
      tensorBegins[index] = begins[source]!;
      tensorEnds[index] = this.ends.values[source]!;
      const from = this.shapeStarts.values[source]!;
      const to = this.shapeStarts.values[source + 1]!;
      dims.set(this.dims.values.subarray(from, to), shapeStarts[index]!);
      shapeStarts[index + 1] = shapeStarts[index]! + to - from;
    }
    const table = new TensorTable(this.file, nameText, nameStarts, dtypes, tensorBegins, tensorEnds, shapeStarts, dims, onDuplicate);
    table.checkNoOverlap();
    return table;
  }
}

/** A header's tensors in file order, in columns. */
export class TensorTable {
  readonly count: number;
  /** Open addressing over name hashes: tensor index + 1, 0 for an empty slot. */
  private readonly slots: Int32Array;

  constructor(
    private readonly file: string,
    private readonly nameText: string,
    private readonly nameStarts: Uint32Array,
    private readonly dtypes: Uint8Array,
    private readonly begins: Float64Array,
    private readonly ends: Float64Array,
    private readonly shapeStarts: Uint32Array,
    private readonly dims: Float64Array,
    onDuplicate: (name: string) => never,
  ) {
    this.count = dtypes.length;
    let size = 16;
    while (size < this.count * 2) size *= 2;
    this.slots = new Int32Array(size);
    const mask = size - 1;
    const hashes = new Uint32Array(this.count);
    for (let index = 0; index < this.count; index++) hashes[index] = hashRange(nameText, nameStarts[index]!, nameStarts[index + 1]!);
    // Names go in by the slot they hash to, so the table is filled from one end to the other
    // rather than at random: a million names then miss the cache far less. Two names compare
    // their text only when their hashes agree.
    const slots = this.slots;
    const bucketShift = Math.max(0, Math.log2(size) - BUCKET_BITS);
    const order = bySlot(hashes, mask, bucketShift);
    // An index loop: for-of over the typed array ran at about half the speed here.
    for (let at = 0; at < order.length; at++) {
      const index = order[at]!;
      const hash = hashes[index]!;
      let slot = hash & mask;
      for (;;) {
        const held = slots[slot]!;
        if (held === 0) {
          slots[slot] = index + 1;
          break;
        }
        if (hashes[held - 1] === hash && this.nameEquals(held - 1, nameText, nameStarts[index]!, nameStarts[index + 1]!)) onDuplicate(this.name(index));
        slot = (slot + 1) & mask;
      }
    }
  }

  name(index: number): string {
    return this.nameText.slice(this.nameStarts[index], this.nameStarts[index + 1]);
  }

  /** Characters (UTF-16 units) of tensor `index`'s name. */
  nameLength(index: number): number {
    return this.nameStarts[index + 1]! - this.nameStarts[index]!;
  }

  dtype(index: number): SafetensorsDType {
    return DTYPES[this.dtypes[index]!]!;
  }

  rank(index: number): number {
    return this.shapeStarts[index + 1]! - this.shapeStarts[index]!;
  }

  /** A fresh array of tensor `index`'s shape. */
  shape(index: number): number[] {
    // A loop, not Array.from(subarray): a typed-array view per call costs more than the copy.
    const from = this.shapeStarts[index]!;
    const shape = new Array<number>(this.shapeStarts[index + 1]! - from);
    for (let axis = 0; axis < shape.length; axis++) shape[axis] = this.dims[from + axis]!;
    return shape;
  }

  /** Dimension `axis` of tensor `index`'s shape (no array made). */
  dimension(index: number, axis: number): number {
    return this.dims[this.shapeStarts[index]! + axis]!;
  }

  /** Elements of tensor `index`. */
  elements(index: number): number {
    let product = 1;
    for (let at = this.shapeStarts[index]!; at < this.shapeStarts[index + 1]!; at++) product *= this.dims[at]!;
    return product;
  }

  begin(index: number): number {
    return this.begins[index]!;
  }

  end(index: number): number {
    return this.ends[index]!;
  }

  /** Tensor `index` as an object (made on each call). */
  info(index: number): SafetensorsTensorInfo {
    return { name: this.name(index), dtype: this.dtype(index), shape: this.shape(index), dataOffsets: [this.begin(index), this.end(index)] };
  }

  /** The index of tensor `name`, or -1. */
  indexOf(name: string): number {
    if (typeof name !== 'string') return -1;
    const mask = this.slots.length - 1;
    for (let slot = hashRange(name, 0, name.length) & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]!;
      if (held === 0) return -1;
      if (this.nameIs(held - 1, name)) return held - 1;
    }
  }

  /** Throws when two tensors share a byte; empty tensors overlap nothing. */
  checkNoOverlap(): void {
    let previous = -1;
    for (let index = 0; index < this.count; index++) {
      if (this.ends[index]! <= this.begins[index]!) continue;
      if (previous >= 0 && this.begins[index]! < this.ends[previous]!) {
        malformed(
          this.file,
          headerField(this.name(index), 'data_offsets'),
          `bytes [${this.begins[index]}, ${this.ends[index]}) overlap those of ${JSON.stringify(this.name(previous))} [${this.begins[previous]}, ${this.ends[previous]})`,
        );
      }
      previous = index;
    }
  }

  private nameIs(index: number, name: string): boolean {
    return this.nameEquals(index, name, 0, name.length);
  }

  private nameEquals(index: number, text: string, start: number, end: number): boolean {
    const from = this.nameStarts[index]!;
    if (this.nameStarts[index + 1]! - from !== end - start) return false;
    for (let at = 0; at < end - start; at++) if (this.nameText.charCodeAt(from + at) !== text.charCodeAt(start + at)) return false;
    return true;
  }
}

/** Names joined into one string (in batches, so no second list of them is held), and where each starts. */
function joinNames(count: number, nameAt: (index: number) => string): { nameText: string; nameStarts: Uint32Array } {
  const nameStarts = new Uint32Array(count + 1);
  const batches: string[] = [];
  let batch: string[] = [];
  let length = 0;
  for (let index = 0; index < count; index++) {
    const name = nameAt(index);
    batch.push(name);
    length += name.length;
    nameStarts[index + 1] = length;
    if (batch.length === 4096) {
      batches.push(batch.join(''));
      batch = [];
    }
  }
  batches.push(batch.join(''));
  return { nameText: batches.join(''), nameStarts };
}

/**
 * The element count of a shape of non-negative integers when it is within the limits `shapeSize`
 * holds shapes to (rank, elements, extent), else -1 (and `shapeSize` then says what is wrong).
 */
function plainShapeSize(shape: readonly number[]): number {
  if (shape.length > MAX_RANK) return -1;
  let extent = 1;
  let empty = false;
  for (const dimension of shape) {
    if (dimension === 0) empty = true;
    else extent *= dimension;
    if (extent > MAX_EXTENT) return -1;
  }
  return empty ? 0 : extent <= MAX_ELEMENTS ? extent : -1;
}

/** Bits of the slot number that order {@link bySlot}'s buckets. */
const BUCKET_BITS = 12;

/**
 * The indices of `hashes` ordered by their slot's top bits (`(hash & mask) >>> shift`), a
 * counting sort: stable, two passes and one array.
 */
function bySlot(hashes: Uint32Array, mask: number, shift: number): Uint32Array {
  const starts = new Uint32Array((1 << BUCKET_BITS) + 1);
  for (let index = 0; index < hashes.length; index++) starts[((hashes[index]! & mask) >>> shift) + 1]!++;
  for (let bucket = 1; bucket < starts.length; bucket++) starts[bucket]! += starts[bucket - 1]!;
  const order = new Uint32Array(hashes.length);
  for (let index = 0; index < hashes.length; index++) order[starts[(hashes[index]! & mask) >>> shift]!++] = index;
  return order;
}

/** FNV-1a over UTF-16 units of `text[start, end)`. */
function hashRange(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let at = start; at < end; at++) hash = Math.imul(hash ^ text.charCodeAt(at), 0x01000193);
  return hash >>> 0;
}
