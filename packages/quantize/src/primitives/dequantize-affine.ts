/**
 * The inverse of quantizeAffine (torchao's `dequantize_affine`).
 */
import { WhittleError, decode, describeValue, validateEncoding, type AffineEncoding, type HostTensor } from '@whittle/core';

/**
 * The float32 values an affine encoding stands for: (code − zeroPoint) · scale, or code · scale +
 * offset in the offset form, computed in float64 and rounded once (as tfjs's loader does). The
 * same as core's `decode`; throws `invalid-encoding` for a malformed or non-affine encoding.
 *
 * @example
 * ```ts
 * const restored = dequantizeAffine(quantizeAffine(tensor, { bits: 8, granularity: { kind: 'tensor' } }));
 * ```
 */
export function dequantizeAffine(encoding: AffineEncoding): HostTensor<'float32'> {
  const kind = (encoding as { kind?: unknown } | null)?.kind;
  if (kind !== 'affine') {
    throw new WhittleError('invalid-encoding', `expected an affine encoding, got kind ${describeValue(kind)}`, { field: 'kind' });
  }
  return decode(validateEncoding(encoding)) as HostTensor<'float32'>;
}
