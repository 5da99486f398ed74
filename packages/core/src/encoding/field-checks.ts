/**
 * Small readers for untrusted encoding fields. Each either returns the checked value or throws an
 * `invalid-encoding` WhittleError naming the field, so validators read top to bottom.
 * Internal to the encoding folder.
 */
import { WhittleError, type ErrorLocation } from '../errors.ts';
import { isDType, matchesDType, type DType } from '../tensor/dtype.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { describeValue, shapeSize, shapesEqual } from '../tensor/shape.ts';
import { isValidBits } from './bit-pack.ts';

/** How deep encodings may nest (sparse values, low-rank factors) before input is rejected. */
export const MAX_ENCODING_DEPTH = 8;

/**
 * The location of a named child field.
 *
 * @example
 * ```ts
 * child({ field: 'values' }, 'scales'); // { field: 'values.scales' }
 * ```
 */
export function child(location: ErrorLocation, name: string): ErrorLocation {
  return at(location, location.field === undefined ? name : `${location.field}.${name}`);
}

/**
 * The location of an array element.
 *
 * @example
 * ```ts
 * element({ field: 'layout.rowPointers' }, 3); // { field: 'layout.rowPointers[3]' }
 * ```
 */
export function element(location: ErrorLocation, index: number): ErrorLocation {
  return at(location, `${location.field ?? ''}[${index}]`);
}

// The location's fields named one by one: every reader of an encoding makes these on its success
// path, and an object spread there costs several times as much (tens of microseconds a decode
// right after a garbage collection).
function at(location: ErrorLocation, field: string): ErrorLocation {
  return { field, file: location.file, step: location.step };
}

/**
 * Throws the one error every encoding check reports.
 *
 * @example
 * ```ts
 * if (bits === 0) fail('bits must be positive', { field: 'bits' });
 * ```
 */
export function fail(message: string, location: ErrorLocation): never {
  throw new WhittleError('invalid-encoding', message, location);
}

/**
 * A non-null, non-array object.
 *
 * @example
 * ```ts
 * const record = readRecord(JSON.parse(text), { field: 'layout' });
 * ```
 */
export function readRecord(value: unknown, location: ErrorLocation): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    fail(`expected an object, got ${describeValue(value)}`, location);
  }
  return value as Record<string, unknown>;
}

/**
 * An integer within [min, max].
 *
 * @example
 * ```ts
 * readInteger(record.axis, { field: 'axis' }, 0, rank - 1);
 * ```
 */
export function readInteger(value: unknown, location: ErrorLocation, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`expected an integer in [${min}, ${max}], got ${describeValue(value)}`, location);
  }
  return value;
}

/**
 * A code width: 1–8 or 16.
 *
 * @example
 * ```ts
 * readBits(record.bits, { field: 'bits' }); // 1–8 or 16
 * ```
 */
export function readBits(value: unknown, location: ErrorLocation): number {
  if (!isValidBits(value)) fail(`bits must be 1–8 or 16, got ${describeValue(value)}`, location);
  return value;
}

/**
 * A boolean.
 *
 * @example
 * ```ts
 * readBoolean(record.signed, { field: 'signed' });
 * ```
 */
export function readBoolean(value: unknown, location: ErrorLocation): boolean {
  if (typeof value !== 'boolean') fail(`expected a boolean, got ${describeValue(value)}`, location);
  return value;
}

/**
 * A valid shape and its element count (overflow-checked by `shapeSize`).
 *
 * @example
 * ```ts
 * const { shape, size } = readShape([2, 3], { field: 'shape' }); // size 6
 * ```
 */
export function readShape(value: unknown, location: ErrorLocation): { shape: readonly number[]; size: number } {
  try {
    // No location here: the message is re-raised under this field with the encoding's code.
    return { shape: value as readonly number[], size: shapeSize(value, {}) };
  } catch (error) {
    if (error instanceof WhittleError) fail(error.message, location);
    throw error;
  }
}

/**
 * A real Uint8Array of exactly `length` bytes.
 *
 * @example
 * ```ts
 * readBytes(record.codes, packedByteLength(size, bits), { field: 'codes' });
 * ```
 */
export function readBytes(value: unknown, length: number, location: ErrorLocation): Uint8Array {
  // ArrayBuffer.isView checks the internal slot, so objects merely posing as typed arrays fail.
  if (!ArrayBuffer.isView(value) || !(value instanceof Uint8Array)) {
    fail(`expected a Uint8Array, got ${describeValue(value)}`, location);
  }
  if (value.length !== length) fail(`expected ${length} bytes, got ${value.length}`, location);
  return value;
}

/**
 * A HostTensor with one of `dtypes`, backed by the matching typed array, whose shape equals
 * `expectedShape` when given.
 *
 * @example
 * ```ts
 * readTensor(record.scales, ['float32', 'float16'], [4], { field: 'scales' });
 * ```
 */
export function readTensor<D extends DType>(
  value: unknown,
  dtypes: readonly D[],
  expectedShape: readonly number[] | undefined,
  location: ErrorLocation
): HostTensor<D> {
  const record = readRecord(value, location);
  const dtype = record.dtype;
  if (!isDType(dtype) || !(dtypes as readonly DType[]).includes(dtype)) {
    fail(`dtype must be one of ${dtypes.join(', ')}, got ${describeValue(dtype)}`, child(location, 'dtype'));
  }
  const { shape, size } = readShape(record.shape, child(location, 'shape'));
  if (expectedShape !== undefined && !shapesEqual(shape, expectedShape)) {
    fail(`expected shape [${expectedShape.join(', ')}], got [${shape.join(', ')}]`, child(location, 'shape'));
  }
  const data = record.data;
  if (!ArrayBuffer.isView(data) || !matchesDType(dtype, data)) {
    fail(`dtype ${dtype} needs its own typed array, got ${describeValue(data)}`, child(location, 'data'));
  }
  const length = (data as unknown as ArrayLike<number>).length;
  if (length !== size) fail(`shape needs ${size} elements, data has ${length}`, child(location, 'data'));
  if (dtype === 'bool') {
    const bytes = data as Uint8Array;
    for (let index = 0; index < bytes.length; index++) {
      if (bytes[index]! > 1)
        fail(`bool data must be 0 or 1, got ${bytes[index]}`, element(child(location, 'data'), index));
    }
  }
  return record as unknown as HostTensor<D>;
}
