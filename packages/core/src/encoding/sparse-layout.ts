/**
 * Sparse layouts: where the stored values of a sparse encoding sit. Checks untrusted layouts
 * against a shape and scatters decoded values back into a dense tensor.
 */
import type { ErrorLocation } from '../errors.ts';
import { describeValue } from '../tensor/shape.ts';
import { forEachCodeChunk, packedByteLength, unpackBits } from './bit-pack.ts';
import { child, element, fail, readBits, readBytes, readInteger, readRecord } from './field-checks.ts';
import { matrixDimensions } from './matrix-shape.ts';
import type { SparseLayout } from './types.ts';

/** Largest `m` of an N:M layout: positions are at most 16 bits wide. */
export const MAX_NM_M = 2 ** 16;

/**
 * Width of one N:M position: the narrowest packable width (1–8 or 16) that holds 0 … m - 1.
 *
 * @example
 * ```ts
 * nmPositionBits(4); // 2
 * ```
 */
export function nmPositionBits(m: number): number {
  let bits = 1;
  while (2 ** bits < m) bits++;
  return bits <= 8 ? bits : 16;
}

/**
 * How N:M runs tile a tensor: `outer` × `runsPerLine` × `inner` runs, ordered row-major over the
 * shape with `axis` replaced by its run index; run `t` stores entries `t * n … t * n + n - 1`.
 *
 * @example
 * ```ts
 * nmRuns([8, 3], 0, 4); // { outer: 1, length: 8, inner: 3, runsPerLine: 2, runCount: 6 }
 * ```
 */
export function nmRuns(shape: readonly number[], axis: number, m: number) {
  let outer = 1;
  let inner = 1;
  for (let other = 0; other < axis; other++) outer *= shape[other]!;
  for (let other = axis + 1; other < shape.length; other++) inner *= shape[other]!;
  const length = shape[axis]!;
  const runsPerLine = length / m;
  return { outer, length, inner, runsPerLine, runCount: outer * runsPerLine * inner };
}

/**
 * Checks an untrusted layout against a tensor shape of `size` elements and returns how many
 * entries it stores (internal). Every buffer length is computed from validated numbers first.
 *
 * @example
 * ```ts
 * const { entryCount } = readSparseLayout(layout, [2, 8], 16, { field: 'layout' });
 * ```
 */
export function readSparseLayout(
  value: unknown,
  shape: readonly number[],
  size: number,
  location: ErrorLocation
): { layout: SparseLayout; entryCount: number } {
  const record = readRecord(value, location);
  const layout = record as unknown as SparseLayout;
  switch (record.kind) {
    case 'bitmask': {
      const mask = readBytes(record.mask, packedByteLength(size, 1), child(location, 'mask'));
      let entryCount = 0;
      for (let index = 0; index < mask.length; index++) entryCount += popcount(mask[index]!);
      // Set padding bits would count entries that have no element.
      if (size % 8 !== 0 && mask[mask.length - 1]! >>> size % 8 !== 0) {
        fail('padding bits after the last element must be zero', element(child(location, 'mask'), mask.length - 1));
      }
      return { layout, entryCount };
    }
    case 'csr':
      return { layout, entryCount: readCsr(record, shape, location) };
    case 'relative':
      return { layout, entryCount: readRelative(record, size, location) };
    case 'nm':
      return { layout, entryCount: readNm(record, shape, size, location) };
    default:
      return fail(`layout kind must be bitmask, csr, relative or nm, got ${describeValue(record.kind)}`, child(location, 'kind'));
  }
}

function readCsr(record: Record<string, unknown>, shape: readonly number[], location: ErrorLocation): number {
  const indexBits = readBits(record.indexBits, child(location, 'indexBits'));
  const { rows, columns } = matrixDimensions(shape);
  const pointersLocation = child(location, 'rowPointers');
  const rowPointers = record.rowPointers;
  if (!ArrayBuffer.isView(rowPointers) || !(rowPointers instanceof Uint32Array)) {
    fail(`expected a Uint32Array, got ${describeValue(rowPointers)}`, pointersLocation);
  }
  if (rowPointers.length !== rows + 1) {
    fail(`${rows} rows need ${rows + 1} row pointers, got ${rowPointers.length}`, pointersLocation);
  }
  if (rowPointers[0] !== 0)
    fail(`the first row pointer must be 0, got ${rowPointers[0]}`, element(pointersLocation, 0));
  for (let row = 1; row <= rows; row++) {
    if (rowPointers[row]! < rowPointers[row - 1]!) {
      fail(
        `row pointers must not decrease (${rowPointers[row - 1]} then ${rowPointers[row]})`,
        element(pointersLocation, row)
      );
    }
  }
  const entryCount = rowPointers[rows]!;
  const gapsLocation = child(location, 'gaps');
  const gaps = readBytes(record.gaps, packedByteLength(entryCount, indexBits), gapsLocation);
  let row = 0;
  let column = -1;
  forEachCodeChunk(gaps, entryCount, indexBits, false, (chunk, start) => {
    for (let offset = 0; offset < chunk.length; offset++) {
      const entry = start + offset;
      // Pointers are monotone and end at entryCount, so this stops at the entry's row.
      while (entry >= rowPointers[row + 1]!) {
        row++;
        column = -1;
      }
      column += chunk[offset]! + 1;
      if (column >= columns) fail(`entry ${entry} lands past column ${columns - 1} of row ${row}`, gapsLocation);
    }
  });
  return entryCount;
}

function readRelative(record: Record<string, unknown>, size: number, location: ErrorLocation): number {
  const indexBits = readBits(record.indexBits, child(location, 'indexBits'));
  // Every entry advances the position by at least one, so more entries than elements is a lie,
  // caught before any length is computed from it.
  const count = readInteger(record.count, child(location, 'count'), 0, size);
  const gapsLocation = child(location, 'gaps');
  const gaps = readBytes(record.gaps, packedByteLength(count, indexBits), gapsLocation);
  let position = -1;
  forEachCodeChunk(gaps, count, indexBits, false, (chunk, start) => {
    for (let offset = 0; offset < chunk.length; offset++) {
      position += chunk[offset]! + 1;
      if (position >= size) fail(`entry ${start + offset} lands past the last element (${size - 1})`, gapsLocation);
    }
  });
  return count;
}

function readNm(
  record: Record<string, unknown>,
  shape: readonly number[],
  size: number,
  location: ErrorLocation
): number {
  const n = readInteger(record.n, child(location, 'n'), 1, MAX_NM_M);
  const m = readInteger(record.m, child(location, 'm'), n, MAX_NM_M);
  if (shape.length === 0) fail('an N:M layout needs a tensor of rank ≥ 1', child(location, 'axis'));
  const axis = readInteger(record.axis, child(location, 'axis'), 0, shape.length - 1);
  if (shape[axis]! % m !== 0)
    fail(`axis ${axis} of length ${shape[axis]} is not a multiple of m = ${m}`, child(location, 'm'));
  const entryCount = (size / m) * n;
  const bits = nmPositionBits(m);
  const positionsLocation = child(location, 'positions');
  const positions = readBytes(record.positions, packedByteLength(entryCount, bits), positionsLocation);
  let previous = -1;
  forEachCodeChunk(positions, entryCount, bits, false, (chunk, start) => {
    for (let offset = 0; offset < chunk.length; offset++) {
      const entry = start + offset;
      if (entry % n === 0) previous = -1;
      const position = chunk[offset]!;
      if (position >= m || position <= previous) {
        fail(
          `position ${position} must be below ${m} and above the run's previous position`,
          element(positionsLocation, entry)
        );
      }
      previous = position;
    }
  });
  return entryCount;
}

/**
 * Scatters decoded entry values into a dense float32 tensor (internal; use `decode`). With
 * `destination` (of the element count, sharing no bytes with `values`), it is zeroed and written
 * in place of a new array.
 *
 * @example
 * ```ts
 * scatterSparse([4], { kind: 'bitmask', mask: new Uint8Array([0b1001]) }, new Float32Array([1, 4])); // [1, 0, 0, 4]
 * ```
 */
export function scatterSparse(shape: readonly number[], layout: SparseLayout, values: Float32Array, destination?: Float32Array): Float32Array {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const dense = destination === undefined ? new Float32Array(size) : destination.fill(0);
  if (layout.kind === 'bitmask') {
    let entry = 0;
    for (let byte = 0; byte < layout.mask.length; byte++) {
      const bits = layout.mask[byte]!;
      // Skipping empty bytes keeps very sparse masks cheap.
      for (let offset = 0; bits >>> offset !== 0; offset++) {
        if ((bits >>> offset) & 1) dense[byte * 8 + offset] = values[entry++]!;
      }
    }
  } else if (layout.kind === 'csr') {
    const { rows, columns } = matrixDimensions(shape);
    const gaps = unpackBits(layout.gaps, values.length, layout.indexBits);
    for (let row = 0; row < rows; row++) {
      let column = -1;
      for (let entry = layout.rowPointers[row]!; entry < layout.rowPointers[row + 1]!; entry++) {
        column += gaps[entry]! + 1;
        dense[row * columns + column] = values[entry]!;
      }
    }
  } else if (layout.kind === 'relative') {
    let position = -1;
    forEachCodeChunk(layout.gaps, values.length, layout.indexBits, false, (chunk, start) => {
      for (let offset = 0; offset < chunk.length; offset++) {
        position += chunk[offset]! + 1;
        dense[position] = values[start + offset]!;
      }
    });
  } else {
    const { n, m } = layout;
    const { outer, length, inner, runsPerLine } = nmRuns(shape, layout.axis, m);
    const positions = unpackBits(layout.positions, values.length, nmPositionBits(m));
    let entry = 0;
    for (let outerIndex = 0; outerIndex < outer; outerIndex++) {
      for (let run = 0; run < runsPerLine; run++) {
        for (let innerIndex = 0; innerIndex < inner; innerIndex++) {
          for (let slot = 0; slot < n; slot++, entry++) {
            dense[(outerIndex * length + run * m + positions[entry]!) * inner + innerIndex] = values[entry]!;
          }
        }
      }
    }
  }
  return dense;
}

function popcount(byte: number): number {
  let count = 0;
  for (let bits = byte; bits !== 0; bits &= bits - 1) count++;
  return count;
}
