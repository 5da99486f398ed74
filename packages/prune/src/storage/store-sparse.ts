/**
 * Sparse storage of pruned tensors: the layout that stores fewest bytes, or the one asked for.
 */
import { WhittleError, denseEncoding, describeValue, isValidBits, sparseFromDense, type Encoding, type HostTensor } from '@whittle/core';
import { sparseSizes, type SparseSizes } from './sparse-sizes.ts';

/** The storage forms a pruned tensor can take. `auto` picks the smallest of the others. */
export const STORAGE_LAYOUTS = ['auto', 'bitmask', 'csr', 'relative', 'dense'] as const;

/** One of {@link STORAGE_LAYOUTS}. */
export type StorageLayout = (typeof STORAGE_LAYOUTS)[number];

/** How {@link storeSparse} stores a tensor. */
export interface StorageOptions {
  /**
   * `auto` (default): the smallest of dense, bitmask, and CSR and relative (indices over the
   * flattened tensor, no row pointers) each at its best index width.
   */
  readonly layout?: StorageLayout;
  /** CSR or relative index width (1–8 or 16); default the width that stores fewest bytes. */
  readonly indexBits?: number;
  /**
   * Width the stored values will have, for choosing the layout: 32 (default) for float32 values;
   * 4 or 5 when a later k-means step re-encodes them, as in Deep Compression.
   */
  readonly valueBits?: number;
}

/**
 * `tensor` stored losslessly in the form `options` asks for: dense, a bitmask layout,
 * relative-index CSR, or relative indices over the flattened tensor (Deep Compression's own
 * storage, with no row pointers), with the stored values dense float32 (a later quantize
 * step re-encodes them in place, keeping the layout). Elements whose bits are +0 are not stored.
 *
 * @example
 * ```ts
 * const encoding = storeSparse(pruned, { layout: 'auto', valueBits: 5 });
 * encoding.kind; // 'sparse' (the layout and index width that store fewest bytes)
 * ```
 */
export function storeSparse(tensor: HostTensor<'float32'>, options: StorageOptions = {}): Encoding {
  const layout = options.layout ?? 'auto';
  if (!(STORAGE_LAYOUTS as readonly unknown[]).includes(layout)) {
    throw new WhittleError('invalid-argument', `layout must be one of ${STORAGE_LAYOUTS.join(', ')}, got ${describeValue(layout)}`, {
      field: 'layout',
    });
  }
  if (options.indexBits !== undefined && !isValidBits(options.indexBits)) {
    throw new WhittleError('invalid-argument', `indexBits must be 1–8 or 16, got ${describeValue(options.indexBits)}`, {
      field: 'indexBits',
    });
  }
  const chosen = chooseLayout(tensor, layout, options);
  switch (chosen.kind) {
    case 'dense':
      return denseEncoding(tensor);
    case 'bitmask':
      return sparseFromDense(tensor, { kind: 'bitmask' });
    case 'csr':
    case 'relative':
      return sparseFromDense(tensor, { kind: chosen.kind, indexBits: chosen.indexBits });
  }
}

type Chosen = { readonly kind: 'dense' | 'bitmask' } | { readonly kind: 'csr' | 'relative'; readonly indexBits: number };

function chooseLayout(tensor: HostTensor<'float32'>, layout: StorageLayout, options: StorageOptions): Chosen {
  if (layout === 'dense') return { kind: 'dense' };
  if (layout === 'bitmask') return { kind: 'bitmask' };
  const sizes = sparseSizes(tensor, options.valueBits ?? 32);
  const atWidth = (candidates: SparseSizes['csr']) =>
    options.indexBits === undefined ? candidates[0]! : candidates.find(({ indexBits }) => indexBits === options.indexBits)!;
  const csr = atWidth(sizes.csr);
  const relative = atWidth(sizes.relative);
  if (layout === 'csr') return { kind: 'csr', indexBits: csr.indexBits };
  if (layout === 'relative') return { kind: 'relative', indexBits: relative.indexBits };
  // Ties go to the simpler form: dense, then bitmask, then relative (one buffer fewer than CSR).
  const smallest = Math.min(sizes.dense, sizes.bitmask, relative.bytes, csr.bytes);
  if (sizes.dense === smallest) return { kind: 'dense' };
  if (sizes.bitmask === smallest) return { kind: 'bitmask' };
  if (relative.bytes === smallest) return { kind: 'relative', indexBits: relative.indexBits };
  return { kind: 'csr', indexBits: csr.indexBits };
}
