/**
 * What each sparse layout would store for a tensor, computed in one pass over it without
 * building any layout: the figures the storage choice compares.
 */
import { WhittleError, describeValue, packedByteLength, type HostTensor } from '@whittle/core';

/** Index widths a relative-index layout (CSR or relative over the flattened tensor) can use. */
export const CSR_INDEX_BITS = [1, 2, 3, 4, 5, 6, 7, 8, 16] as const;

/** Entries and bytes of a layout at one index width. */
export interface IndexedLayoutSize {
  readonly indexBits: number;
  readonly entries: number;
  readonly bytes: number;
}

/** Bytes a tensor would store in each form, for stored values `valueBits` wide. */
export interface SparseSizes {
  /** Elements whose bit pattern is not +0 (what a sparse layout stores). */
  readonly nonzeros: number;
  readonly dense: number;
  readonly bitmask: number;
  /** Relative-index CSR at each index width, smallest first; ties keep the narrower width. */
  readonly csr: readonly IndexedLayoutSize[];
  /**
   * Relative indices over the flattened tensor (no row pointers) at each index width, smallest
   * first; ties keep the narrower width.
   */
  readonly relative: readonly IndexedLayoutSize[];
}

/**
 * The bytes `tensor` (float32) would store dense, as a bitmask layout, and as relative-index CSR
 * and relative indices over the flattened tensor at every index width (Deep Compression: a gap
 * wider than 2^bits - 1 costs a zero-valued filler entry), with stored values `valueBits` wide
 * (32 for float32; 4 once k-means shares 16 values).
 * Layout bytes match core's sparse encoding exactly; value bytes assume dense packed values.
 *
 * @example
 * ```ts
 * const sizes = sparseSizes(tensor, 32);
 * sizes.csr[0]; // { indexBits: 4, entries: 1210, bytes: 5849 }
 * sizes.relative[0]; // the same figures over the flattened tensor, without row pointers
 * ```
 */
export function sparseSizes(tensor: HostTensor<'float32'>, valueBits = 32): SparseSizes {
  if (!Number.isInteger(valueBits) || valueBits < 1 || valueBits > 32) {
    throw new WhittleError('invalid-argument', `valueBits must be an integer 1–32, got ${describeValue(valueBits)}`, {
      field: 'valueBits',
    });
  }
  const { data, shape } = tensor;
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const columns = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const rows = columns === 0 ? 0 : words.length / columns;
  // gapCounts[g]: how many stored elements follow exactly g zeros in their row.
  const gapCounts = new Float64Array(Math.max(columns, 1));
  // A gap over the flattened tensor can be as long as the tensor, too long for a histogram, so
  // each one long enough to need a filler at some width adds its fillers at every width at once.
  const spans = CSR_INDEX_BITS.map((indexBits) => 2 ** indexBits);
  const flatFillers = new Float64Array(spans.length);
  let flatPrevious = -1;
  let nonzeros = 0;
  for (let row = 0; row < rows; row++) {
    let previous = -1;
    const first = row * columns;
    for (let column = 0; column < columns; column++) {
      if (words[first + column] === 0) continue;
      const gap = column - previous - 1;
      gapCounts[gap] = gapCounts[gap]! + 1;
      previous = column;
      const flatGap = first + column - flatPrevious - 1;
      if (flatGap >= spans[0]!) for (let width = 0; width < spans.length; width++) flatFillers[width] = flatFillers[width]! + Math.floor(flatGap / spans[width]!);
      flatPrevious = first + column;
      nonzeros++;
    }
  }
  const valueBytes = (count: number): number => Math.ceil((count * valueBits) / 8);
  const rowPointerBytes = (rows + 1) * 4;
  const csr = CSR_INDEX_BITS.map((indexBits) => {
    const span = 2 ** indexBits;
    let fillers = 0;
    for (let gap = span; gap < gapCounts.length; gap++) fillers += gapCounts[gap]! * Math.floor(gap / span);
    const entries = nonzeros + fillers;
    return { indexBits, entries, bytes: packedByteLength(entries, indexBits) + rowPointerBytes + valueBytes(entries) };
  }).sort(smallestFirst);
  const relative = CSR_INDEX_BITS.map((indexBits, width) => {
    const entries = nonzeros + flatFillers[width]!;
    return { indexBits, entries, bytes: packedByteLength(entries, indexBits) + valueBytes(entries) };
  }).sort(smallestFirst);
  return {
    nonzeros,
    dense: valueBytes(words.length),
    bitmask: packedByteLength(words.length, 1) + valueBytes(nonzeros),
    csr,
    relative,
  };
}

function smallestFirst(a: IndexedLayoutSize, b: IndexedLayoutSize): number {
  return a.bytes - b.bytes || a.indexBits - b.indexBits;
}
