import { WhittleError, type Model } from '@whittle/core';
import type { LoraLayer } from './add-lora.ts';
import type { LoraAdapters } from './lora-types.ts';

/**
 * Checks a LoRA rank and alpha: r a positive integer, α a positive finite number.
 *
 * @example
 * ```ts
 * checkLoraScale(4, 8, 'options'); // passes; checkLoraScale(0, 8, 'options') throws naming options.rank
 * ```
 */
export function checkLoraScale(rank: unknown, alpha: unknown, field: string): asserts rank is number {
  if (!(typeof rank === 'number' && Number.isSafeInteger(rank) && rank > 0)) {
    throw new WhittleError('invalid-argument', `rank must be a positive integer, got ${String(rank)}`, { field: `${field}.rank` });
  }
  if (!(typeof alpha === 'number' && Number.isFinite(alpha) && alpha > 0)) {
    throw new WhittleError('invalid-argument', `alpha must be a positive finite number, got ${String(alpha)}`, { field: `${field}.alpha` });
  }
}

/**
 * The Dense layers of `model` that `adapters` fit: each layer's kernel param `<layer>/kernel`
 * must be `[in, out]` with A `[in, r]` and B `[r, out]` float32 and finite.
 *
 * @example
 * ```ts
 * const layers = checkAdapters(model, await loadLoraAdapters('adapter.safetensors'), 'adapters');
 * ```
 */
export function checkAdapters(model: Model, adapters: LoraAdapters, field: string): LoraLayer[] {
  checkLoraScale(adapters.rank, adapters.alpha, field);
  const rank = adapters.rank;
  const seen = new Set<string>();
  return adapters.layers.map((adapter, index) => {
    const at = `${field}.layers[${index}]`;
    if (seen.has(adapter.layer)) throw new WhittleError('invalid-argument', `layer ${JSON.stringify(adapter.layer)} has two adapters`, { field: `${at}.layer` });
    seen.add(adapter.layer);
    const kernel = [...model.params.values()].find((param) => param.role === 'dense-kernel' && (param.layer ?? param.name.slice(0, param.name.lastIndexOf('/'))) === adapter.layer);
    if (kernel === undefined || kernel.shape.length !== 2) {
      throw new WhittleError('invalid-argument', `the model has no Dense kernel in layer ${JSON.stringify(adapter.layer)}`, { field: `${at}.layer` });
    }
    const [inputs, outputs] = kernel.shape as [number, number];
    for (const [name, tensor, shape] of [['a', adapter.a, [inputs, rank]], ['b', adapter.b, [rank, outputs]]] as const) {
      if (tensor.dtype !== 'float32' || tensor.shape.length !== 2 || tensor.shape[0] !== shape[0] || tensor.shape[1] !== shape[1] || tensor.data.length !== shape[0] * shape[1]) {
        throw new WhittleError('invalid-argument', `expected float32 [${shape.join(', ')}] for ${kernel.name}, got ${tensor.dtype} [${tensor.shape.join(', ')}]`, { field: `${at}.${name}` });
      }
      if (!(tensor.data as Float32Array).every(Number.isFinite)) throw new WhittleError('invalid-argument', 'holds NaN or an infinity', { field: `${at}.${name}` });
    }
    return { layer: adapter.layer, kernel: kernel.name, inputs, outputs };
  });
}
