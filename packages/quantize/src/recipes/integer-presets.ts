/**
 * Named presets over `quantize.affine`: the integer formats people ask for by name.
 */
import type { ParamFilter } from '@whittle/core';
import { affine, type AffineStep } from './affine-step.ts';

/** Options of {@link int8}. */
export interface Int8Options extends ParamFilter {
  /** Default true (signed codes, no zero points). */
  readonly symmetric?: boolean;
  readonly narrowRange?: boolean;
  /** The channel axis; default: each param's output axis from its role. */
  readonly axis?: number;
  /** Default float32. */
  readonly scaleDType?: 'float32' | 'float16';
}

/** Group sizes of the group-wise presets. */
export type GroupSize = 32 | 64 | 128;

/** Options of {@link int4}, {@link int3} and {@link int2}. */
export interface GroupwiseOptions extends ParamFilter {
  /** Weights per scale along each param's input axis; default 32. */
  readonly groupSize?: GroupSize;
  /** Default: true for int4 (ggml Q4_0: 4.5 bits per weight), false for int3 and int2. */
  readonly symmetric?: boolean;
  /** Default float16. */
  readonly scaleDType?: 'float32' | 'float16';
}

/**
 * int8 per output channel (symmetric by default): 8 bits per weight plus one scale per channel.
 *
 * @example
 * ```ts
 * int8(); // { kind: 'quantize.affine', bits: 8, symmetric: true, granularity: { kind: 'axis' } }
 * ```
 */
export function int8(options: Int8Options = {}): AffineStep {
  const { axis, ...rest } = options;
  return affine({ ...rest, bits: 8, granularity: axis === undefined ? { kind: 'axis' } : { kind: 'axis', axis } });
}

/**
 * int4 in groups along the input axis, symmetric with a float16 scale per group on the
 * signed-extreme grid (the group's value of largest magnitude maps to code −8): with groups of
 * 32, ggml's Q4_0 layout and grid at 4.5 bits per weight.
 *
 * @example
 * ```ts
 * int4({ groupSize: 32 }); // { kind: 'quantize.affine', bits: 4, symmetric: true, granularity: { kind: 'group', size: 32 } }
 * ```
 */
export function int4(options: GroupwiseOptions = {}): AffineStep {
  return groupwise(4, true, options);
}

/**
 * int3 in groups (asymmetric by default: at 3 bits a symmetric grid wastes one of 8 levels).
 *
 * @example
 * ```ts
 * int3({ groupSize: 64 }); // 3 bits + 16/64 (scale) + 8/64 (zero point) = 3.375 bits per weight
 * ```
 */
export function int3(options: GroupwiseOptions = {}): AffineStep {
  return groupwise(3, false, options);
}

/**
 * int2 in groups (asymmetric by default: symmetric 2-bit codes leave 3 useful levels of 4).
 *
 * @example
 * ```ts
 * int2({ groupSize: 128 });
 * ```
 */
export function int2(options: GroupwiseOptions = {}): AffineStep {
  return groupwise(2, false, options);
}

function groupwise(bits: number, symmetricByDefault: boolean, options: GroupwiseOptions): AffineStep {
  const { groupSize = 32, symmetric = symmetricByDefault, ...rest } = options;
  return affine({ ...rest, bits, symmetric, granularity: { kind: 'group', size: groupSize } });
}
