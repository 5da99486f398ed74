/**
 * Checks of one tensor entry of a safetensors header: dtype, shape, data offsets, byte length
 * (that no two tensors share bytes is checked over the whole table: see tensor-table.ts).
 * Internal to the safetensors folder.
 */
import { describeShape } from '../../tensor/shape-limits.ts';
import { describeValue } from '../../tensor/shape.ts';
import { isSafetensorsDType, safetensorsDTypeBits, type SafetensorsDType } from './dtypes.ts';
import { checkedShapeSize, malformed } from './malformed.ts';
import { headerField, isWellFormedName } from './naming.ts';

/** One tensor as the header describes it. */
export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** `[begin, end)` in bytes, relative to the start of the data section, as the header says. */
  readonly dataOffsets: readonly [number, number];
}

/**
 * The checked entry for tensor `name`, whose bytes must lie within `dataSize`.
 *
 * @example
 * ```ts
 * readTensorEntry('w', { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, 'model.safetensors', 8);
 * ```
 */
export function readTensorEntry(name: string, value: unknown, file: string, dataSize: number): SafetensorsTensorInfo {
  if (name.length === 0) malformed(file, headerField(name), 'tensor names must not be empty');
  // JSON can spell a lone surrogate (`"\\ud800"`); UTF-8 cannot hold it, so no writer could write it back.
  if (!isWellFormedName(name)) malformed(file, headerField(name), 'the tensor name holds a lone surrogate, which UTF-8 cannot encode');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    malformed(file, headerField(name), `expected a tensor entry object, got ${describeValue(value)}`);
  }
  const entry = value as Record<string, unknown>;
  const { dtype, shape, data_offsets: offsets } = entry;
  if (!isSafetensorsDType(dtype)) {
    malformed(file, headerField(name, 'dtype'), `unknown dtype ${describeValue(dtype)}`);
  }
  // Field paths are built only for an error: a header may list a million tensors.
  const size = checkedShapeSize(shape, file, () => headerField(name, 'shape'));
  const offsetsField = (): string => headerField(name, 'data_offsets');
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    malformed(file, offsetsField(), `expected [begin, end], got ${describeValue(offsets)}`);
  }
  const [begin, end] = offsets as unknown[];
  for (const offset of [begin, end]) {
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      malformed(file, offsetsField(), `offsets must be non-negative integers, got ${describeValue(offset)}`);
    }
  }
  const [first, last] = [begin as number, end as number];
  if (first > last) malformed(file, offsetsField(), `begin ${first} is after end ${last}`);
  if (last > dataSize) {
    malformed(file, offsetsField(), `end ${last} lies past the ${dataSize} bytes of the data section`);
  }
  // At most 2^32 elements of at most 64 bits: the product stays a safe integer.
  const bits = size * safetensorsDTypeBits(dtype);
  if (bits % 8 !== 0) {
    malformed(file, headerField(name, 'shape'), `${size} elements of ${dtype} do not fill whole bytes`);
  }
  if (bits / 8 !== last - first) {
    malformed(
      file,
      offsetsField(),
      `${dtype} ${describeShape(shape as number[])} needs ${bits / 8} bytes, the offsets span ${last - first}`
    );
  }
  // The arrays come fresh from JSON.parse and are checked: kept as they are, not copied (a header
  // may list a million tensors).
  return { name, dtype, shape: shape as number[], dataOffsets: offsets as [number, number] };
}
