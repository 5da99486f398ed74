import type { AffineEncoding, HostTensor } from '@whittle/core';
import { dequantizeAffine, quantizeAffine, type QuantizeAffineOptions } from '@whittle/quantize';

/** One typed-array kernel the suite times: its case name and the work of one timed run. */
export interface JsKernelCase {
  readonly name: string;
  readonly run: () => unknown;
}

/** int8, symmetric, one float32 scale per output channel of a dense kernel `[in, out]`. */
const INT8_CHANNEL: QuantizeAffineOptions = { bits: 8, granularity: { kind: 'axis', axis: 1 } };
/** int4, symmetric, one float16 scale per 32 weights along the input axis (ggml's Q4_0). */
const INT4_GROUP32: QuantizeAffineOptions = { bits: 4, granularity: { kind: 'group', axis: 0, size: 32 } };

/**
 * The `js` cases of the kernels suite on one dense kernel `[inputs, outputs]`: whittle's
 * typed-array quantizers (`quantizeAffine`, `dequantizeAffine`), which run the same whatever the
 * tfjs backend. The dequantize cases decode encodings made once up front, so they time decoding
 * alone; `quantize-dequantize-int8-channel` does both, the same work as the tfjs-ops peer.
 *
 * @example
 * ```ts
 * for (const { name, run } of jsKernelCases(kernel)) console.log(name, await measure(run, { warmup: 1, runs: 5 }));
 * ```
 */
export function jsKernelCases(kernel: HostTensor<'float32'>): JsKernelCase[] {
  const int8: AffineEncoding = quantizeAffine(kernel, INT8_CHANNEL);
  const int4: AffineEncoding = quantizeAffine(kernel, INT4_GROUP32);
  return [
    { name: 'quantize-int8-channel', run: () => quantizeAffine(kernel, INT8_CHANNEL) },
    { name: 'quantize-int4-group32', run: () => quantizeAffine(kernel, INT4_GROUP32) },
    { name: 'dequantize-int8-channel', run: () => dequantizeAffine(int8) },
    { name: 'dequantize-int4-group32', run: () => dequantizeAffine(int4) },
    { name: ROUND_TRIP_CASE, run: () => dequantizeAffine(quantizeAffine(kernel, INT8_CHANNEL)) },
  ];
}

/** The case both whittle's quantizers and the tfjs-ops peer run, so their rows line up. */
export const ROUND_TRIP_CASE = 'quantize-dequantize-int8-channel';
