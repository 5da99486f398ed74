/**
 * The sparse encoding constructor: a layout plus stored values that are themselves an encoding.
 */
import type { SparseEncoding, SparseLayout } from './types.ts';
import { validateEncoding } from './validate.ts';

/**
 * Builds a sparse encoding, checking the layout against `shape` (mask popcount, monotone CSR row
 * pointers, relative gaps inside the tensor, N:M positions) and that `values` is a 1-D encoding
 * of the stored entry count. A negative N:M axis counts from the end. Buffers are shared, not copied.
 *
 * @example
 * ```ts
 * const encoding = sparseEncoding({
 *   shape: [4],
 *   layout: { kind: 'bitmask', mask: new Uint8Array([0b1001]) },
 *   values: denseEncoding({ dtype: 'float32', shape: [2], data: new Float32Array([1, 4]) }),
 * });
 * ```
 */
export function sparseEncoding(fields: Omit<SparseEncoding, 'kind'>): SparseEncoding {
  const shape = [...fields.shape];
  const layout: SparseLayout =
    fields.layout.kind === 'nm' && Number.isInteger(fields.layout.axis) && fields.layout.axis < 0
      ? { ...fields.layout, axis: fields.layout.axis + shape.length }
      : fields.layout;
  return validateEncoding({ kind: 'sparse', shape, layout, values: fields.values }) as SparseEncoding;
}
