/**
 * Finding the buffer references (`{ "buffer": "codes", "dtype": "uint8", "shape": [96] }`) in an
 * encoding's metadata without trusting its structure: the reader uses them to know which tensors
 * a param needs before reading any bytes, the planner to lay those tensors out.
 */
import { MAX_JSON_DEPTH } from './strict-json.ts';

/** One buffer reference found in encoding metadata, with its field path for error messages. */
export interface FoundReference {
  readonly buffer: string;
  readonly dtype: unknown;
  readonly shape: unknown;
  /** Dotted path of the reference inside the metadata: `values.codes`. */
  readonly path: string;
}

/**
 * Every object with a `buffer` field in `metadata`, depth first in key order. Calls `fail` (which
 * must throw) for a non-string buffer name or nesting deeper than {@link MAX_JSON_DEPTH}, which
 * also stops a cyclic object.
 *
 * @example
 * ```ts
 * bufferReferences(encodingParts(encoding).metadata, (message) => { throw new Error(message); });
 * ```
 */
export function bufferReferences(metadata: unknown, fail: (message: string, path: string) => never): FoundReference[] {
  const found: FoundReference[] = [];
  const visit = (node: unknown, path: string, depth: number): void => {
    if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) return;
    if (depth > MAX_JSON_DEPTH) fail(`metadata nests more than ${MAX_JSON_DEPTH} deep`, path);
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${path}[${index}]`, depth + 1));
      return;
    }
    const record = node as Record<string, unknown>;
    if (Object.hasOwn(record, 'buffer')) {
      const at = (field: string) => (path === '' ? field : `${path}.${field}`);
      if (typeof record.buffer !== 'string' || record.buffer.length === 0) {
        fail('buffer must be a non-empty buffer name', at('buffer'));
      }
      found.push({ buffer: record.buffer, dtype: record.dtype, shape: record.shape, path });
      return;
    }
    for (const key of Object.keys(record)) visit(record[key], path === '' ? key : `${path}.${key}`, depth + 1);
  };
  visit(metadata, '', 0);
  return found;
}
