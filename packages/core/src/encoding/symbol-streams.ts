/**
 * The integer symbol streams of an encoding, which entropy coding replaces: affine codes,
 * codebook indices, CSR and relative gaps, N:M positions and bitmask bytes, found in nested encodings too
 * (sparse values, low-rank factors). Each is named by its field path, as `encodingParts` names
 * buffers (`values.indices`, `layout.gaps`, `left.codes`).
 */
import { shapeSize } from '../tensor/shape.ts';
import { matrixDimensions } from './matrix-shape.ts';
import { nmPositionBits } from './sparse-layout.ts';
import type { Encoding, SparseLayout } from './types.ts';

/** One packed symbol stream of an encoding. */
export interface SymbolStream {
  /** Field path of the packed buffer inside the encoding (`values.indices`). */
  readonly field: string;
  /** Width of one symbol: the packing width of the buffer (a bitmask is read as bytes). */
  readonly symbolBits: number;
  /** How many symbols the buffer holds. */
  readonly count: number;
  readonly packed: Uint8Array;
}

/** Paths that can name a stream: nested encodings, then one packed buffer. */
export const STREAM_FIELD_PATTERN = /^(?:(?:values|left|right)\.){0,8}(?:codes|indices|layout\.gaps|layout\.positions|layout\.mask)$/;

/**
 * Every symbol stream of a valid encoding, in field order (dense tensors and entropy-coded
 * encodings have none).
 *
 * @example
 * ```ts
 * symbolStreams(codebookFromIndices({ shape: [4], centroids, indices: [0, 1, 1, 0] }));
 * // [{ field: 'indices', symbolBits: 1, count: 4, packed: … }]
 * ```
 */
export function symbolStreams(encoding: Encoding, prefix = ''): SymbolStream[] {
  switch (encoding.kind) {
    case 'affine':
      return [{ field: `${prefix}codes`, symbolBits: encoding.bits, count: shapeSize(encoding.shape), packed: encoding.codes }];
    case 'codebook':
      return [{ field: `${prefix}indices`, symbolBits: encoding.bits, count: shapeSize(encoding.shape), packed: encoding.indices }];
    case 'sparse':
      return [...layoutStreams(encoding.shape, encoding.layout, prefix), ...symbolStreams(encoding.values, `${prefix}values.`)];
    case 'lowrank':
      return [...symbolStreams(encoding.left, `${prefix}left.`), ...symbolStreams(encoding.right, `${prefix}right.`)];
    default:
      return [];
  }
}

function layoutStreams(shape: readonly number[], layout: SparseLayout, prefix: string): SymbolStream[] {
  switch (layout.kind) {
    case 'bitmask':
      return [{ field: `${prefix}layout.mask`, symbolBits: 8, count: layout.mask.length, packed: layout.mask }];
    case 'csr': {
      const { rows } = matrixDimensions(shape);
      return [{ field: `${prefix}layout.gaps`, symbolBits: layout.indexBits, count: layout.rowPointers[rows]!, packed: layout.gaps }];
    }
    case 'relative':
      return [{ field: `${prefix}layout.gaps`, symbolBits: layout.indexBits, count: layout.count, packed: layout.gaps }];
    case 'nm': {
      const count = (shapeSize(shape) / layout.m) * layout.n;
      return [{ field: `${prefix}layout.positions`, symbolBits: nmPositionBits(layout.m), count, packed: layout.positions }];
    }
  }
}

/**
 * A copy of `record` with the value at `field` (a dotted path through nested objects) replaced,
 * every object on the path copied and the rest shared. Returns `undefined` when an object on the
 * path is missing, so callers name the field themselves.
 *
 * @example
 * ```ts
 * withField({ kind: 'sparse', values: { kind: 'codebook', indices: empty } }, 'values.indices', packed);
 * ```
 */
export function withField(record: unknown, field: string, value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(record)) return undefined;
  const dot = field.indexOf('.');
  if (dot < 0) return { ...record, [field]: value };
  const head = field.slice(0, dot);
  if (!Object.hasOwn(record, head)) return undefined;
  const nested = withField(record[head], field.slice(dot + 1), value);
  return nested === undefined ? undefined : { ...record, [head]: nested };
}

/**
 * The value at a dotted path through nested objects (own properties only), or `undefined`.
 *
 * @example
 * ```ts
 * fieldAt({ layout: { gaps: bytes } }, 'layout.gaps'); // bytes
 * ```
 */
export function fieldAt(record: unknown, field: string): unknown {
  let current = record;
  for (const name of field.split('.')) {
    if (!isRecord(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}
