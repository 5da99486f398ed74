export { CSR_INDEX_BITS, sparseSizes, type IndexedLayoutSize, type SparseSizes } from './sparse-sizes.ts';
export { STORAGE_LAYOUTS, storeSparse, type StorageLayout, type StorageOptions } from './store-sparse.ts';
