/**
 * How affine scales are shared across a tensor, and the shape of the scales it implies.
 */
import type { ErrorLocation } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import { child, fail, readInteger, readRecord } from './field-checks.ts';
import type { Granularity } from './types.ts';

/**
 * The shape of the scales (and zero points) that `granularity` gives a tensor of `shape`:
 * `[]` per tensor, `[shape[axis]]` per axis, and `shape` with `axis` replaced by
 * ceil(shape[axis] / size) per group. Expects a validated, non-negative axis.
 *
 * @example
 * ```ts
 * scalesShape([4, 10], { kind: 'group', axis: 1, size: 4 }); // [4, 3]
 * ```
 */
export function scalesShape(shape: readonly number[], granularity: Granularity): number[] {
  switch (granularity.kind) {
    case 'tensor':
      return [];
    case 'axis':
      return [shape[granularity.axis]!];
    case 'group':
      return shape.map((dimension, axis) =>
        axis === granularity.axis ? Math.ceil(dimension / granularity.size) : dimension
      );
  }
}

/**
 * The same granularity with a negative axis counted from the end (`-1` is the last axis), so
 * encodings always store a non-negative axis. Leaves anything invalid for validation to report.
 *
 * @example
 * ```ts
 * normalizeGranularity({ kind: 'axis', axis: -1 }, 2); // { kind: 'axis', axis: 1 }
 * ```
 */
export function normalizeGranularity(granularity: Granularity, rank: number): Granularity {
  if (granularity.kind === 'tensor' || !Number.isInteger(granularity.axis)) return granularity;
  if (granularity.axis >= -rank && granularity.axis < 0) return { ...granularity, axis: granularity.axis + rank };
  return granularity;
}

/**
 * Checks an untrusted granularity against the tensor shape it applies to (internal).
 *
 * @example
 * ```ts
 * readGranularity({ kind: 'axis', axis: 1 }, [4, 8], { field: 'granularity' });
 * ```
 */
export function readGranularity(value: unknown, shape: readonly number[], location: ErrorLocation): Granularity {
  const record = readRecord(value, location);
  const kind = record.kind;
  if (kind === 'tensor') return record as unknown as Granularity;
  if (kind !== 'axis' && kind !== 'group') {
    fail(`granularity kind must be tensor, axis or group, got ${describeValue(kind)}`, child(location, 'kind'));
  }
  if (shape.length === 0) fail(`a ${kind} granularity needs a tensor of rank ≥ 1`, child(location, 'kind'));
  readInteger(record.axis, child(location, 'axis'), 0, shape.length - 1);
  if (kind === 'group') readInteger(record.size, child(location, 'size'), 1, Number.MAX_SAFE_INTEGER);
  return record as unknown as Granularity;
}
