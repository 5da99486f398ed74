import { byteLength, decodeToFloat32, type Encoding, type Model } from '@whittle/core';
import type { DemoLayerRow, PaperLayerRow } from './demo-result.ts';

/**
 * The per-layer breakdown of a compressed model in the format of Deep Compression's Tables 2
 * and 3: for each of `layers` (params named `<layer>/kernel`, `<layer>/bias`), its weights in the
 * baseline, the share kept nonzero in `compressed` (counted from the decoded values), the bits
 * of the stored weight values and of the sparse indices, and its bytes against float32.
 *
 * @example
 * ```ts
 * const rows = layerRows(baseline, saved.model, ['ip1', 'ip2', 'ip3'], DEEP_COMPRESSION_PAPER['lenet-300-100'].layers);
 * ```
 */
export function layerRows(baseline: Model, compressed: Model, layers: readonly string[], paper: readonly PaperLayerRow[] | null): DemoLayerRow[] {
  return layers.map((layer) => {
    let weights = 0;
    for (const param of paramsOf(baseline, layer)) weights += elementCount(param.shape);
    let nonzero = 0;
    let bytes = 0;
    let weightBits: number | null = null;
    let indexBits: number | null = null;
    for (const param of paramsOf(compressed, layer)) {
      const values = decodeToFloat32(param.value).data;
      for (let element = 0; element < values.length; element++) if (values[element] !== 0) nonzero++;
      bytes += byteLength(param.value);
      if (param.name.endsWith('/kernel')) ({ weightBits, indexBits } = storageBits(param.value));
    }
    return {
      layer,
      weights,
      keptPercent: weights === 0 ? 0 : (100 * nonzero) / weights,
      weightBits,
      indexBits,
      bytes,
      sharePercent: weights === 0 ? 0 : (100 * bytes) / (4 * weights),
      paper: paper?.find((row) => row.layer === layer) ?? null,
    };
  });
}

/** Bits per stored weight value (null for floats) and per sparse index (null when dense). */
function storageBits(encoding: Encoding): { weightBits: number | null; indexBits: number | null } {
  switch (encoding.kind) {
    case 'sparse': {
      const inner = storageBits(encoding.values);
      const layout = encoding.layout;
      return { weightBits: inner.weightBits, indexBits: layout.kind === 'csr' || layout.kind === 'relative' ? layout.indexBits : layout.kind === 'bitmask' ? 1 : null };
    }
    case 'entropy':
      return storageBits(encoding.inner);
    case 'codebook':
    case 'affine':
      return { weightBits: encoding.bits, indexBits: null };
    default:
      return { weightBits: null, indexBits: null };
  }
}

function paramsOf(model: Model, layer: string) {
  return [...model.params.values()].filter((param) => param.name.startsWith(`${layer}/`));
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
