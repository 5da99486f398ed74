import { encodingShape } from '../encoding/index.ts';
import type { Encoding, Granularity, SparseLayout } from '../encoding/types.ts';

/**
 * A short human-readable description of how a param is stored, for listings and reports:
 * `dense float32`, `affine int4 group 32`, `codebook 4-bit`, `sparse bitmask (codebook 4-bit)`,
 * `sparse 2:4 (dense float16)`, `lowrank rank 8 (dense float32 × dense float32)`.
 *
 * @example
 * ```ts
 * describeEncoding(denseEncoding(hostTensor('float32', [2]))); // 'dense float32'
 * ```
 */
export function describeEncoding(encoding: Encoding): string {
  switch (encoding.kind) {
    case 'dense':
      return `dense ${encoding.tensor.dtype}`;
    case 'affine':
      return `affine ${encoding.signed ? 'int' : 'uint'}${encoding.bits} ${describeGranularity(encoding.granularity)}`;
    case 'codebook':
      return `codebook ${encoding.bits}-bit`;
    case 'sparse':
      return `sparse ${describeLayout(encoding.layout)} (${describeEncoding(encoding.values)})`;
    case 'lowrank': {
      const rank = encodingShape(encoding.left)[1] ?? 0;
      return `lowrank rank ${rank} (${describeEncoding(encoding.left)} × ${describeEncoding(encoding.right)})`;
    }
  }
}

function describeGranularity(granularity: Granularity): string {
  switch (granularity.kind) {
    case 'tensor':
      return 'per-tensor';
    case 'axis':
      return `per-axis ${granularity.axis}`;
    case 'group':
      return `group ${granularity.size}`;
  }
}

function describeLayout(layout: SparseLayout): string {
  switch (layout.kind) {
    case 'bitmask':
      return 'bitmask';
    case 'csr':
      return `csr ${layout.indexBits}-bit`;
    case 'nm':
      return `${layout.n}:${layout.m}`;
  }
}
