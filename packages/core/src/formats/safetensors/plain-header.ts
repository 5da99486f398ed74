/**
 * A fast path for the common shape of a safetensors header: tensor entries of `dtype`, `shape`
 * and `data_offsets` only, strings without escapes, non-negative integers, and a `__metadata__`
 * of plain strings. A header listing a million tensors is read in one pass over the text, with
 * no million-key object from `JSON.parse` and no key scan beside it. Anything else (an escape, a
 * float, a duplicate key, an unknown field, a syntax error) gives `undefined`, and the caller
 * parses the text the general way, which says exactly what is wrong. Internal to the safetensors
 * folder.
 */

/** Top-level keys in text order and their values, as `JSON.parse` would give them. */
export interface PlainHeader {
  readonly keys: string[];
  readonly values: unknown[];
}

/** Integers longer than this may not be safe integers: the general path decides. */
const MAX_INTEGER_DIGITS = 15;

const ENTRY_FIELDS = new Set(['dtype', 'shape', 'data_offsets']);

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
  const reader = new PlainReader(text);
  try {
    return reader.header();
  } catch (error) {
    if (error === BAIL) return undefined;
    throw error;
  }
}

/** Thrown inside the reader to give up; never leaves this module. */
const BAIL = Symbol('bail');

class PlainReader {
  private index = 0;

  constructor(private readonly text: string) {}

  header(): PlainHeader {
    const keys: string[] = [];
    const values: unknown[] = [];
    const seen = new Set<string>();
    this.expect(0x7b);
    if (!this.take(0x7d)) {
      do {
        const key = this.string();
        if (seen.has(key)) throw BAIL;
        seen.add(key);
        this.expect(0x3a);
        keys.push(key);
        values.push(key === '__metadata__' ? this.metadata() : this.entry());
      } while (this.take(0x2c));
      this.expect(0x7d);
    }
    this.skipWhitespace();
    if (this.index !== this.text.length) throw BAIL;
    return { keys, values };
  }

  private entry(): Record<string, unknown> {
    const entry: Record<string, unknown> = {};
    this.expect(0x7b);
    if (this.take(0x7d)) return entry;
    do {
      const key = this.string();
      if (!ENTRY_FIELDS.has(key) || key in entry) throw BAIL;
      this.expect(0x3a);
      entry[key] = key === 'dtype' ? this.string() : this.integers();
    } while (this.take(0x2c));
    this.expect(0x7d);
    return entry;
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

  private integers(): number[] {
    const list: number[] = [];
    this.expect(0x5b);
    if (this.take(0x5d)) return list;
    do list.push(this.integer());
    while (this.take(0x2c));
    this.expect(0x5d);
    return list;
  }

  private integer(): number {
    this.skipWhitespace();
    const { text } = this;
    const start = this.index;
    let value = 0;
    while (this.index < text.length) {
      const code = text.charCodeAt(this.index);
      if (code < 0x30 || code > 0x39) break;
      value = value * 10 + (code - 0x30);
      this.index++;
    }
    const digits = this.index - start;
    if (digits === 0 || digits > MAX_INTEGER_DIGITS || (digits > 1 && text.charCodeAt(start) === 0x30)) throw BAIL;
    return value;
  }

  /** A string without escapes or control characters (the text came from valid UTF-8, so no lone surrogates). */
  private string(): string {
    this.expect(0x22);
    const { text } = this;
    const start = this.index;
    while (this.index < text.length) {
      const code = text.charCodeAt(this.index);
      if (code === 0x22) {
        this.index++;
        return text.slice(start, this.index - 1);
      }
      if (code === 0x5c || code < 0x20) throw BAIL;
      this.index++;
    }
    throw BAIL;
  }

  private expect(code: number): void {
    if (!this.take(code)) throw BAIL;
  }

  private take(code: number): boolean {
    this.skipWhitespace();
    if (this.text.charCodeAt(this.index) !== code) return false;
    this.index++;
    return true;
  }

  private skipWhitespace(): void {
    const { text } = this;
    while (this.index < text.length) {
      const code = text.charCodeAt(this.index);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.index++;
    }
  }
}
