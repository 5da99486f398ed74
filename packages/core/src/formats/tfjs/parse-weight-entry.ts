/**
 * Validation of one untrusted weight entry `{ name, shape, dtype, quantization? }`, and the
 * bytes it occupies, computed from its validated shape so a lying manifest never sizes a read.
 */
import { bytesPerElement, isDType } from '../../tensor/dtype.ts';
import { describeValue, shapeSize } from '../../tensor/shape.ts';
import { asMalformed, malformed } from './malformed.ts';
import type { StockWeightDType, TfjsQuantization, TfjsWeightEntry, WhittleWeightDType } from './model-json-types.ts';

const STOCK_BYTES: Readonly<Record<StockWeightDType, number>> = { float32: 4, int32: 4, bool: 1 };
const QUANTIZED_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;

/**
 * Reads one weight entry, throwing `malformed-file` naming `file` and the entry's `field` for a
 * missing or mistyped name, shape or dtype, an unknown dtype or quantization dtype, missing or
 * non-finite `min` / `scale`, or quantization on a dtype tfjs cannot dequantize.
 *
 * @example
 * ```ts
 * const entry = parseWeightEntry({ name: 'dense/bias', shape: [4], dtype: 'float32' }, 'model.json', 'weights[0]');
 * entry.byteLength; // 16
 * ```
 */
export function parseWeightEntry(value: unknown, file: string, field: string): TfjsWeightEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    malformed(`a weight entry must be an object, got ${describeValue(value)}`, file, field);
  }
  const record = value as Record<string, unknown>;
  const { name, dtype, group } = record;
  if (typeof name !== 'string' || name.length === 0) {
    malformed(`a weight needs a non-empty string name, got ${describeValue(name)}`, file, `${field}.name`);
  }
  const size = asMalformed(() => shapeSize(record.shape, {}), file, `${field}.shape`);
  const shape = [...(record.shape as number[])];
  if (group !== undefined && typeof group !== 'string') {
    malformed(`group must be a string, got ${describeValue(group)}`, file, `${field}.group`);
  }
  const checkedDType = readDType(dtype, file, `${field}.dtype`);
  const base = { name, shape, dtype: checkedDType, ...(group === undefined ? {} : { group }) };
  if (record.quantization === undefined) {
    const width = checkedDType.startsWith('whittle/')
      ? bytesPerElement(checkedDType.slice('whittle/'.length) as Parameters<typeof bytesPerElement>[0])
      : STOCK_BYTES[checkedDType as StockWeightDType];
    return { ...base, byteLength: size * width };
  }
  const quantization = readQuantization(record.quantization, checkedDType, file, `${field}.quantization`);
  return { ...base, quantization, byteLength: size * QUANTIZED_BYTES[quantization.dtype] };
}

function readDType(dtype: unknown, file: string, field: string): StockWeightDType | WhittleWeightDType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  if (typeof dtype === 'string' && dtype.startsWith('whittle/') && isDType(dtype.slice('whittle/'.length))) {
    return dtype as WhittleWeightDType;
  }
  if (dtype === 'string' || dtype === 'complex64') {
    malformed(`${dtype} weights are not supported`, file, field);
  }
  malformed(`unknown weight dtype ${describeValue(dtype)}; expected float32, int32, bool or whittle/<dtype>`, file, field);
}

function readQuantization(value: unknown, dtype: string, file: string, field: string): TfjsQuantization {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    malformed(`quantization must be an object, got ${describeValue(value)}`, file, field);
  }
  const record = value as Record<string, unknown>;
  const quantized = record.dtype;
  if (quantized !== 'uint8' && quantized !== 'uint16' && quantized !== 'float16') {
    malformed(
      `unknown quantization dtype ${describeValue(quantized)}; expected uint8, uint16 or float16`,
      file,
      `${field}.dtype`
    );
  }
  if (quantized === 'float16') {
    // tfjs widens float16 only into float32 weights.
    if (dtype !== 'float32') malformed(`float16 quantization needs dtype float32, got ${dtype}`, file, field);
    return { dtype: quantized };
  }
  // tfjs dequantizes uint8 / uint16 codes into float32 or (rounded) int32 weights only.
  if (dtype !== 'float32' && dtype !== 'int32') {
    malformed(`${quantized} quantization needs dtype float32 or int32, got ${dtype}`, file, field);
  }
  const min = readFinite(record.min, file, `${field}.min`);
  const scale = readFinite(record.scale, file, `${field}.scale`);
  return { dtype: quantized, min, scale };
}

function readFinite(value: unknown, file: string, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    malformed(`expected a finite number, got ${describeValue(value)}`, file, field);
  }
  return value;
}
