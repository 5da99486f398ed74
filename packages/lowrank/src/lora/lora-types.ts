import type { HostTensor, ParamFilter } from '@whittle/core';

/** One layer's adapter in Keras orientation: ΔW = (alpha / rank) · a · b is added to the kernel `[in, out]`. */
export interface LoraLayerAdapter {
  /** The Dense layer's name. */
  readonly layer: string;
  /** `A`, float32 `[in, rank]`: the PEFT tensor `<layer>.lora_A.weight` `[rank, in]` transposed. */
  readonly a: HostTensor<'float32'>;
  /** `B`, float32 `[rank, out]`: the PEFT tensor `<layer>.lora_B.weight` `[out, rank]` transposed. */
  readonly b: HostTensor<'float32'>;
}

/** A set of LoRA adapters: plain host tensors, one pair per adapted Dense layer, in model order. */
export interface LoraAdapters {
  /** r, the rank of every adapter. */
  readonly rank: number;
  /** α: the update is scaled by α / r. */
  readonly alpha: number;
  /** One adapter per adapted Dense layer, in model order. */
  readonly layers: readonly LoraLayerAdapter[];
}

/** Options of `addLora`. */
export interface LoraOptions extends ParamFilter {
  /** r, the adapters' rank (a positive integer, at most min(in, out) of every adapted layer). Taken from `adapters` when given. */
  readonly rank?: number;
  /** α: the update is scaled by α / r (default: r, a scale of 1). Taken from `adapters` when given. */
  readonly alpha?: number;
  /** Seed of A's Gaussian initialisation (default 0). */
  readonly seed?: number;
  /** Standard deviation of A's initialisation (default 1 / r). */
  readonly initialStandardDeviation?: number;
  /** Start from these adapters (from `loadLoraAdapters` or `adapters()`) instead of A Gaussian and B zero. */
  readonly adapters?: LoraAdapters;
}
