/**
 * Validation of untrusted encodings (after deserialising, or from user code). Checks run in an
 * order where every expected buffer size is computed from already validated numbers, so a lying
 * length field can neither crash nor make us allocate.
 */
import type { ErrorLocation } from '../errors.ts';
import { DTYPES } from '../tensor/dtype.ts';
import { describe, shapesEqual } from '../tensor/shape.ts';
import { forEachCodeChunk, packedByteLength } from './bit-pack.ts';
import {
  MAX_ENCODING_DEPTH,
  child,
  element,
  fail,
  readBits,
  readBoolean,
  readBytes,
  readRecord,
  readShape,
  readTensor,
} from './field-checks.ts';
import { readGranularity, scalesShape } from './granularity.ts';
import { matrixDimensions } from './matrix-shape.ts';
import { readSparseLayout } from './sparse-layout.ts';
import type { Encoding } from './types.ts';

const FLOAT_COMPONENT_DTYPES = ['float32', 'float16'] as const;
const SCALE_DTYPES = ['float64', 'float32', 'float16'] as const;
const ZERO_POINT_DTYPES = ['int8', 'uint8', 'int16', 'uint16', 'int32'] as const;

/**
 * Checks that `value` is a well-formed {@link Encoding} and returns it unchanged: every field,
 * nested encodings recursively (at most 8 deep), bit widths, buffer lengths against shapes,
 * scales against the granularity, codebook indices, sparse layouts and low-rank factor shapes.
 * Throws an `invalid-encoding` WhittleError whose `field` is the path at fault, e.g.
 * `values.scales.data` or `layout.rowPointers[3]`.
 *
 * @example
 * ```ts
 * const encoding = validateEncoding(untrusted, { file: 'model.safetensors', field: 'dense/kernel' });
 * ```
 */
export function validateEncoding(value: unknown, location: ErrorLocation = {}): Encoding {
  return readEncoding(value, location, 0).encoding;
}

/** An encoding and the shape it decodes to. */
interface Checked {
  readonly encoding: Encoding;
  readonly shape: readonly number[];
}

function readEncoding(value: unknown, location: ErrorLocation, depth: number): Checked {
  if (depth > MAX_ENCODING_DEPTH) fail(`encodings nest more than ${MAX_ENCODING_DEPTH} deep`, location);
  const record = readRecord(value, location);
  const encoding = record as unknown as Encoding;
  if (record.kind === 'dense') {
    const tensor = readTensor(record.tensor, DTYPES, undefined, child(location, 'tensor'));
    return { encoding, shape: tensor.shape };
  }
  if (record.kind !== 'affine' && record.kind !== 'codebook' && record.kind !== 'sparse' && record.kind !== 'lowrank') {
    fail(
      `kind must be dense, affine, codebook, sparse or lowrank, got ${describe(record.kind)}`,
      child(location, 'kind')
    );
  }
  const { shape, size } = readShape(record.shape, child(location, 'shape'));
  switch (record.kind) {
    case 'affine':
      readAffine(record, shape, size, location);
      break;
    case 'codebook':
      readCodebook(record, size, location);
      break;
    case 'sparse': {
      const { entryCount } = readSparseLayout(record.layout, shape, size, child(location, 'layout'));
      readNested(record.values, [entryCount], child(location, 'values'), depth);
      break;
    }
    case 'lowrank': {
      const { rows, columns } = matrixDimensions(shape);
      const left = readEncoding(record.left, child(location, 'left'), depth + 1);
      if (left.shape.length !== 2 || left.shape[0] !== rows) {
        fail(`left factor must be [${rows}, rank], got [${left.shape.join(', ')}]`, child(location, 'left.shape'));
      }
      readNested(record.right, [left.shape[1]!, columns], child(location, 'right'), depth);
      break;
    }
  }
  return { encoding, shape };
}

function readNested(value: unknown, expectedShape: readonly number[], location: ErrorLocation, depth: number): void {
  const nested = readEncoding(value, location, depth + 1);
  if (!shapesEqual(nested.shape, expectedShape)) {
    fail(`expected shape [${expectedShape.join(', ')}], got [${nested.shape.join(', ')}]`, child(location, 'shape'));
  }
}

function readAffine(
  record: Record<string, unknown>,
  shape: readonly number[],
  size: number,
  location: ErrorLocation
): void {
  const bits = readBits(record.bits, child(location, 'bits'));
  readBoolean(record.signed, child(location, 'signed'));
  const granularity = readGranularity(record.granularity, shape, child(location, 'granularity'));
  readBytes(record.codes, packedByteLength(size, bits), child(location, 'codes'));
  const expected = scalesShape(shape, granularity);
  readTensor(record.scales, SCALE_DTYPES, expected, child(location, 'scales'));
  if (record.zeroPoints !== undefined) {
    readTensor(record.zeroPoints, ZERO_POINT_DTYPES, expected, child(location, 'zeroPoints'));
  }
  if (record.offsets !== undefined) {
    if (record.zeroPoints !== undefined) {
      fail('zero points and offsets are two forms of one thing; give one', child(location, 'offsets'));
    }
    readTensor(record.offsets, SCALE_DTYPES, expected, child(location, 'offsets'));
  }
}

function readCodebook(record: Record<string, unknown>, size: number, location: ErrorLocation): void {
  const bits = readBits(record.bits, child(location, 'bits'));
  const centroidsLocation = child(location, 'centroids');
  const centroids = readTensor(record.centroids, FLOAT_COMPONENT_DTYPES, undefined, centroidsLocation);
  const count = centroids.data.length;
  if (centroids.shape.length !== 1)
    fail(`centroids must be 1-D, got rank ${centroids.shape.length}`, child(centroidsLocation, 'shape'));
  if (count > 2 ** bits)
    fail(`${bits}-bit indices address at most ${2 ** bits} centroids, got ${count}`, centroidsLocation);
  const indicesLocation = child(location, 'indices');
  const packed = readBytes(record.indices, packedByteLength(size, bits), indicesLocation);
  // Only a codebook with fewer than 2^bits centroids can hold an index that points past it.
  if (count < 2 ** bits) {
    forEachCodeChunk(packed, size, bits, false, (indices, start) => {
      for (let offset = 0; offset < indices.length; offset++) {
        const index = indices[offset]!;
        if (index >= count)
          fail(`index ${index} is past the ${count} centroids`, element(indicesLocation, start + offset));
      }
    });
  }
}
