/**
 * JSON parsing that rejects duplicate keys and deep nesting. `JSON.parse` silently keeps the last
 * of two equal keys, so a header could name one tensor twice and readers would disagree on which
 * one counts (the Rust reference rejects such files, and so do we). Nesting is bounded before
 * `JSON.parse` runs, so a hostile header cannot make it build millions of nested objects.
 */

/** How deep objects and arrays may nest by default; a safetensors header needs 3 levels. */
export const MAX_JSON_DEPTH = 64;

/** A parsed JSON value and the keys of its top-level object in the order the text gives them. */
export interface StrictJson {
  readonly value: unknown;
  /**
   * Top-level keys in text order. Object key order of a parsed value puts integer-like keys
   * ("0", "12") first, so the text order is kept here.
   */
  readonly keys: readonly string[];
}

/** Options of {@link parseStrictJson}. */
export interface StrictJsonOptions {
  /** How deep objects and arrays may nest; default {@link MAX_JSON_DEPTH}. */
  readonly maxDepth?: number;
}

/** Why {@link parseStrictJson} rejected a text. */
export type StrictJsonProblem =
  | { readonly kind: 'syntax'; readonly message: string }
  | { readonly kind: 'too-deep' }
  | { readonly kind: 'duplicate-key'; readonly key: string; readonly path: readonly string[] };

/**
 * Parses `text` as JSON, or reports a syntax error, nesting deeper than `maxDepth`,
 * or the first duplicate key (after escapes are resolved, so `"a"` and `"\u0061"` are the same
 * key) with the keys leading to the object that holds it.
 *
 * @example
 * ```ts
 * parseStrictJson('{"a": 1, "a": 2}'); // { kind: 'duplicate-key', key: 'a', path: [] }
 * ```
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): StrictJson | StrictJsonProblem {
  const scan = scanKeys(text, options.maxDepth ?? MAX_JSON_DEPTH);
  if (scan.kind === 'too-deep') return scan;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'syntax', message: error instanceof Error ? error.message : String(error) };
  }
  if (scan.kind === 'duplicate-key') return scan;
  return { value, keys: scan.keys };
}

/** Objects with at most this many keys are checked for duplicates by a plain search, not a set. */
const SMALL_OBJECT_KEYS = 16;

interface Frame {
  /**
   * Keys seen so far; undefined for an array. A small object keeps a list: a header holds a
   * million three-key entries, and a set for each would cost far more than a search of three.
   */
  keys: string[] | Set<string> | undefined;
  /** The key (or `[]` for an array element) this container sits under. */
  readonly under: string;
  expectKey: boolean;
  lastKey: string;
}

type Scan =
  | { readonly kind: 'keys'; readonly keys: string[] }
  | { readonly kind: 'too-deep' }
  | { readonly kind: 'duplicate-key'; readonly key: string; readonly path: readonly string[] };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * One pass over the text telling keys from values by bracket and comma structure. It never
 * throws and always ends, even on invalid JSON (whose verdict then comes from `JSON.parse`).
 */
function scanKeys(text: string, maxDepth: number): Scan {
  const stack: Frame[] = [];
  const topKeys: string[] = [];
  let duplicate: Scan | undefined;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      let end = index + 1;
      let escaped = false;
      while (end < text.length && text.charCodeAt(end) !== QUOTE) {
        if (text.charCodeAt(end) === BACKSLASH) {
          escaped = true;
          end++;
        }
        end++;
      }
      const frame = stack[stack.length - 1];
      if (duplicate === undefined && frame?.keys !== undefined && frame.expectKey) {
        const key = escaped ? unescape(text.slice(index, end + 1)) : text.slice(index + 1, end);
        if (key !== undefined) {
          if (hasKey(frame.keys, key)) {
            duplicate = { kind: 'duplicate-key', key, path: stack.slice(1).map((each) => each.under) };
          }
          if (Array.isArray(frame.keys)) {
            frame.keys.push(key);
            if (frame.keys.length > SMALL_OBJECT_KEYS) frame.keys = new Set(frame.keys);
          } else frame.keys.add(key);
          frame.lastKey = key;
          if (stack.length === 1) topKeys.push(key);
        }
        frame.expectKey = false;
      }
      index = end + 1;
      continue;
    }
    if (code === 0x7b || code === 0x5b) {
      // { or [
      if (stack.length >= maxDepth) return { kind: 'too-deep' };
      const parent = stack[stack.length - 1];
      const under = parent === undefined ? '' : parent.keys === undefined ? '[]' : parent.lastKey;
      stack.push({ keys: code === 0x7b ? [] : undefined, under, expectKey: true, lastKey: '' });
    } else if (code === 0x7d || code === 0x5d) {
      // } or ]
      stack.pop();
    } else if (code === 0x2c) {
      // ,
      const frame = stack[stack.length - 1];
      if (frame !== undefined) frame.expectKey = true;
    }
    index++;
  }
  return duplicate ?? { kind: 'keys', keys: topKeys };
}

function hasKey(keys: string[] | Set<string>, key: string): boolean {
  return Array.isArray(keys) ? keys.includes(key) : keys.has(key);
}

/** The string a JSON string literal stands for, or undefined when it is not valid (JSON.parse will say why). */
function unescape(literal: string): string | undefined {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
