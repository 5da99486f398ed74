import type { MeasureOptions } from '../../measure.ts';

/** How big the `formats` suite's inputs are and how often each case is timed. */
export interface FormatsSizes {
  /** Shapes of the uint8-quantized weights of the stock TFJS artifact, laid end to end. */
  readonly tfjsWeights: readonly (readonly number[])[];
  /** Bytes per weight shard, as tfjs-converter writes them (4 MiB). */
  readonly shardBytes: number;
  /** Linear layers of the safetensors checkpoint: a float32 `[side, side]` weight and `[side]` bias each. */
  readonly safetensorsLayers: number;
  readonly safetensorsSide: number;
  /** Timing of the in-process read and decode cases. */
  readonly timed: MeasureOptions;
  /** Timing of the plain file copy that bounds the rewrite. */
  readonly copyTimed: MeasureOptions;
  /** Child processes that each stream the checkpoint through a rewrite once. */
  readonly rewriteRuns: number;
}

const MIB = 1024 * 1024;

/** The published figures: a 256 MiB TFJS artifact and a 1 GiB (plus biases) safetensors file. */
export const FULL_FORMATS_SIZES: FormatsSizes = {
  tfjsWeights: [
    [8192, 8192],
    [8192, 8192],
    [8192, 8192],
    [8192, 8192],
  ],
  shardBytes: 4 * MIB,
  safetensorsLayers: 16,
  safetensorsSide: 4096,
  timed: { warmup: 1, runs: 7 },
  copyTimed: { warmup: 1, runs: 3 },
  rewriteRuns: 3,
};

/** A smoke run: a 32 MiB artifact and a 128 MiB checkpoint, each case run once or twice. */
export const QUICK_FORMATS_SIZES: FormatsSizes = {
  tfjsWeights: [
    [2048, 4096],
    [2048, 4096],
    [2048, 4096],
    [2048, 4096],
  ],
  shardBytes: 4 * MIB,
  safetensorsLayers: 8,
  safetensorsSide: 2048,
  timed: { warmup: 1, runs: 2 },
  copyTimed: { warmup: 0, runs: 1 },
  rewriteRuns: 1,
};

/**
 * A size as the report's `size` column shows it: binary megabytes, since the inputs are built
 * from powers of two.
 *
 * @example
 * ```ts
 * mebibytes(268435456); // '256 MiB'
 * ```
 */
export function mebibytes(bytes: number): string {
  const value = bytes / MIB;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

/**
 * Decimal megabytes per second, the unit every throughput of the suite is reported in.
 *
 * @example
 * ```ts
 * megabytesPerSecond(268435456, 0.5); // 536.870912
 * ```
 */
export function megabytesPerSecond(bytes: number, seconds: number): number {
  return bytes / 1e6 / seconds;
}
