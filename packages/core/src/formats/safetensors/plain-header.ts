/**
 * A fast path for the common shape of a safetensors header: tensor entries of `dtype`, `shape`
 * and `data_offsets` only, strings without escapes, non-negative integers, and a `__metadata__`
 * of plain strings. A header listing a million tensors is read in one pass over its UTF-8 bytes
 * (checked valid beforehand), with no text of the whole header, no million-key object from
 * `JSON.parse` and no key scan beside it. Anything else (an escape, a float, a repeated field or
 * `__metadata__`, an unknown field, a syntax error) gives up, and the caller parses the text the
 * general way, which says exactly what is wrong. Repeated tensor names are left to the sink (the
 * header's name index finds them without a set of a million keys). Internal to the safetensors
 * folder.
 */

/** Top-level keys in text order and their values, as `JSON.parse` would give them. */
export interface PlainHeader {
  readonly keys: string[];
  readonly values: unknown[];
}

/**
 * What a plain header is read into, entry by entry. `shape` and `offsets` are lists of
 * non-negative integers of at most 15 digits (undefined when the entry lacks the field), reused
 * between calls: a sink that keeps them copies them. Returning false gives up on the fast path.
 */
export interface PlainHeaderSink {
  /** A tensor entry, its name being the UTF-8 `bytes[nameStart, nameEnd)` (not decoded here: a million names). */
  tensor(
    bytes: Uint8Array,
    nameStart: number,
    nameEnd: number,
    dtype: string | undefined,
    shape: readonly number[] | undefined,
    offsets: readonly number[] | undefined,
  ): boolean;
  metadata(entries: Record<string, string>): boolean;
}

/** Integers longer than this may not be safe integers: the general path decides. */
const MAX_INTEGER_DIGITS = 15;

/**
 * Reads the header JSON `bytes` into `sink` when it is a header of the common shape, and says
 * whether it was all ASCII; returns undefined as soon as it is not (or the sink gives up), having
 * given the sink part of it. Bytes that are not valid UTF-8 are read as if decoded with
 * replacement characters: a caller that cannot tell them apart checks them unless the header was
 * all ASCII.
 *
 * @example
 * ```ts
 * readPlainHeader(new TextEncoder().encode('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), sink); // { ascii: true }
 * ```
 */
export function readPlainHeader(bytes: Uint8Array, sink: PlainHeaderSink): PlainHeaderRead | undefined {
  const reader = new PlainReader(bytes, sink);
  try {
    reader.header();
    return { ascii: reader.ascii };
  } catch (error) {
    if (error === BAIL) return undefined;
    throw error;
  }
}

/** What {@link readPlainHeader} found besides the entries. */
export interface PlainHeaderRead {
  /**
   * True when every byte of the header is ASCII (the reader looks at each one), so the bytes are
   * valid UTF-8 without a check of their own.
   */
  readonly ascii: boolean;
}

/**
 * The top-level pairs of `text`, when it is a header of the common shape; otherwise `undefined`.
 *
 * @example
 * ```ts
 * parsePlainHeader('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  ')?.keys; // ['w']
 * parsePlainHeader('{"w\\u0041":{}}'); // undefined: an escape
 * ```
 */
export function parsePlainHeader(text: string): PlainHeader | undefined {
  const keys: string[] = [];
  const values: unknown[] = [];
  const seen = new Set<string>();
  const add = (key: string, value: unknown): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    keys.push(key);
    values.push(value);
    return true;
  };
  const sink: PlainHeaderSink = {
    tensor(bytes, nameStart, nameEnd, dtype, shape, offsets) {
      const name = decodeUtf8(bytes, nameStart, nameEnd);
      const entry: Record<string, unknown> = {};
      if (dtype !== undefined) entry.dtype = dtype;
      if (shape !== undefined) entry.shape = [...shape];
      if (offsets !== undefined) entry.data_offsets = [...offsets];
      return add(name, entry);
    },
    metadata: (entries) => add('__metadata__', entries),
  };
  return readPlainHeader(new TextEncoder().encode(text), sink) !== undefined ? { keys, values } : undefined;
}

const DECODER = new TextDecoder();

/**
 * The string of UTF-8 `bytes[start, end)` (valid UTF-8), without a decoder call for the ASCII
 * names and dtypes nearly every header holds.
 *
 * @example
 * ```ts
 * decodeUtf8(new TextEncoder().encode('"F32"'), 1, 4); // 'F32'
 * ```
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let ascii = true;
    for (let at = start; at < end; at++) if (bytes[at]! >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return DECODER.decode(bytes.subarray(start, end));
}

const METADATA = '__metadata__';

/** The dtypes most headers hold, first the commonest. */
const KNOWN_DTYPES = ['F32', 'F16', 'BF16', 'I8', 'U8', 'I32', 'I64', 'F64', 'BOOL', 'I16', 'U16'];

/** Thrown inside the reader to give up; never leaves this module. */
const BAIL = Symbol('bail');

/** `{"dtype":"`, how nearly every entry starts. */
const ENTRY_START = asciiBytes('{"dtype":"');
/** `","shape":[`, after the dtype. */
const AFTER_DTYPE = asciiBytes('","shape":[');
/** `,"data_offsets":[`, after the shape. */
const AFTER_SHAPE = asciiBytes(',"data_offsets":[');

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}

class PlainReader {
  private index = 0;
  /** False once a string held a byte outside ASCII. */
  ascii = true;

  constructor(
    private readonly text: Uint8Array,
    private readonly sink: PlainHeaderSink,
  ) {}

  header(): void {
    let metadataSeen = false;
    this.expect(0x7b);
    if (!this.take(0x7d)) {
      do {
        const start = this.stringRange();
        const end = this.index - 1;
        this.expect(0x3a);
        if (end - start === METADATA.length && this.startsWith(METADATA, start)) {
          if (metadataSeen) throw BAIL;
          metadataSeen = true;
          if (!this.sink.metadata(this.metadata())) throw BAIL;
        } else this.entry(start, end);
      } while (this.take(0x2c));
      this.expect(0x7d);
    }
    this.skipWhitespace();
    if (this.index !== this.text.length) throw BAIL;
  }

  /** Whether the bytes at `at` spell the ASCII `word`. */
  private startsWith(word: string, at: number): boolean {
    if (at + word.length > this.text.length) return false;
    for (let offset = 0; offset < word.length; offset++) if (this.text[at + offset] !== word.charCodeAt(offset)) return false;
    return true;
  }

  private readonly shapeScratch: number[] = [];
  private readonly offsetsScratch: number[] = [];

  private entry(nameStart: number, nameEnd: number): void {
    if (this.compactEntry(nameStart, nameEnd)) return;
    let dtype: string | undefined;
    let shape: number[] | undefined;
    let offsets: number[] | undefined;
    this.expect(0x7b);
    if (!this.take(0x7d)) {
      do {
        // Field names are matched in place, not sliced out: a million entries of three fields.
        this.expect(0x22);
        if (this.field('dtype"') && dtype === undefined) {
          this.expect(0x3a);
          dtype = this.dtypeString();
        } else if (this.field('shape"') && shape === undefined) {
          this.expect(0x3a);
          shape = this.integers(this.shapeScratch);
        } else if (this.field('data_offsets"') && offsets === undefined) {
          this.expect(0x3a);
          offsets = this.integers(this.offsetsScratch);
        } else throw BAIL;
      } while (this.take(0x2c));
      this.expect(0x7d);
    }
    if (!this.sink.tensor(this.text, nameStart, nameEnd, dtype, shape, offsets)) throw BAIL;
  }

  /**
   * An entry as nearly every writer lays it out, `{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}`
   * with no white space, read in one tight pass; false (and nothing read) for anything else, which
   * the field-by-field reader then reads from the same place. What it accepts reads the same either way.
   */
  private compactEntry(nameStart: number, nameEnd: number): boolean {
    const { text } = this;
    let at = this.matchBytes(ENTRY_START, this.index);
    if (at < 0) return false;
    const dtypeStart = at;
    for (; at < text.length; at++) {
      const code = text[at]!;
      if (code === 0x22) break;
      // An escape, a control character or a byte outside ASCII: the string reader decides.
      if (code === 0x5c || code < 0x20 || code >= 0x80) return false;
    }
    const dtypeEnd = at;
    at = this.matchBytes(AFTER_DTYPE, at);
    if (at < 0) return false;
    at = this.compactIntegers(this.shapeScratch, at);
    if (at < 0) return false;
    at = this.matchBytes(AFTER_SHAPE, at);
    if (at < 0) return false;
    at = this.compactIntegers(this.offsetsScratch, at);
    if (at < 0 || text[at] !== 0x7d) return false;
    this.index = at + 1;
    const dtype = this.knownDtype(dtypeStart, dtypeEnd);
    if (!this.sink.tensor(text, nameStart, nameEnd, dtype, this.shapeScratch, this.offsetsScratch)) throw BAIL;
    return true;
  }

  /** Where `expected` ends when the text at `at` is exactly it, else -1. */
  private matchBytes(expected: Uint8Array, at: number): number {
    const { text } = this;
    if (at + expected.length > text.length) return -1;
    for (let offset = 0; offset < expected.length; offset++) if (text[at + offset] !== expected[offset]) return -1;
    return at + expected.length;
  }

  /**
   * Integers separated by commas up to a closing bracket, with no white space, into `scratch`
   * (its length set only when it changes, as it rarely does from one entry to the next); where
   * the bracket ends, or -1 for anything else.
   */
  private compactIntegers(scratch: number[], from: number): number {
    const { text } = this;
    let at = from;
    let count = 0;
    if (text[at] === 0x5d) {
      if (scratch.length !== 0) scratch.length = 0;
      return at + 1;
    }
    for (;;) {
      const start = at;
      let value = 0;
      for (; at < text.length; at++) {
        const code = text[at]!;
        if (code < 0x30 || code > 0x39) break;
        value = value * 10 + (code - 0x30);
      }
      const digits = at - start;
      if (digits === 0 || digits > MAX_INTEGER_DIGITS || (digits > 1 && text[start] === 0x30)) return -1;
      scratch[count++] = value;
      const code = text[at];
      at++;
      if (code === 0x5d) break;
      if (code !== 0x2c) return -1;
    }
    if (scratch.length !== count) scratch.length = count;
    return at;
  }

  /** Moves past `name` (a field name and its closing quote) when the text goes on with it. */
  private field(name: string): boolean {
    if (!this.startsWith(name, this.index)) return false;
    this.index += name.length;
    return true;
  }

  private metadata(): Record<string, string> {
    const entries: Record<string, string> = {};
    this.expect(0x7b);
    if (this.take(0x7d)) return entries;
    do {
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(entries, key)) throw BAIL;
      this.expect(0x3a);
      // An own property even for "__proto__", as JSON.parse makes it.
      Object.defineProperty(entries, key, { value: this.string(), enumerable: true, writable: true, configurable: true });
    } while (this.take(0x2c));
    this.expect(0x7d);
    return entries;
  }

  /** Fills `scratch` (reused for every entry: the sink copies what it keeps). */
  private integers(scratch: number[]): number[] {
    let count = 0;
    this.expect(0x5b);
    if (!this.take(0x5d)) {
      do scratch[count++] = this.integer();
      while (this.take(0x2c));
      this.expect(0x5d);
    }
    if (scratch.length !== count) scratch.length = count;
    return scratch;
  }

  private integer(): number {
    this.skipWhitespace();
    const { text } = this;
    const start = this.index;
    let value = 0;
    while (this.index < text.length) {
      const code = text[this.index]!;
      if (code < 0x30 || code > 0x39) break;
      value = value * 10 + (code - 0x30);
      this.index++;
    }
    const digits = this.index - start;
    if (digits === 0 || digits > MAX_INTEGER_DIGITS || (digits > 1 && text[start] === 0x30)) throw BAIL;
    return value;
  }

  /** A dtype string: one of the format's names, shared rather than decoded afresh for each of a million entries. */
  private dtypeString(): string {
    const start = this.stringRange();
    return this.knownDtype(start, this.index - 1);
  }

  /** The dtype string of `text[start, end)` (a string's characters), one of the shared names when it is one. */
  private knownDtype(start: number, end: number): string {
    for (const dtype of KNOWN_DTYPES) if (dtype.length === end - start && this.startsWith(dtype, start)) return dtype;
    return decodeUtf8(this.text, start, end);
  }

  /** A string without escapes or control characters (the bytes are valid UTF-8, so no lone surrogates). */
  private string(): string {
    const start = this.stringRange();
    return decodeUtf8(this.text, start, this.index - 1);
  }

  /** Moves past a string like {@link string} and returns where its characters start (they end before the closing quote). */
  private stringRange(): number {
    this.expect(0x22);
    const { text } = this;
    const start = this.index;
    while (this.index < text.length) {
      const code = text[this.index]!;
      if (code === 0x22) {
        this.index++;
        return start;
      }
      if (code === 0x5c || code < 0x20) throw BAIL;
      if (code >= 0x80) this.ascii = false;
      this.index++;
    }
    throw BAIL;
  }

  private expect(code: number): void {
    if (!this.take(code)) throw BAIL;
  }

  private take(code: number): boolean {
    this.skipWhitespace();
    if (this.text[this.index]! !== code) return false;
    this.index++;
    return true;
  }

  private skipWhitespace(): void {
    const { text } = this;
    while (this.index < text.length) {
      const code = text[this.index]!;
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.index++;
    }
  }
}
