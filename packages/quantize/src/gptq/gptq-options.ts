/**
 * The configuration GPTQ and its round-to-nearest baseline share, and its checks.
 */
import { WhittleError, describeValue, type ParamRole } from '@whittle/core';

/** Every {@link GptqRole}: the list the type is derived from. */
export const GPTQ_ROLES = ['dense-kernel', 'linear-weight'] as const satisfies readonly ParamRole[];

/** The weight layouts GPTQ handles: Keras Dense `[in, out]` and PyTorch-style Linear `[out, in]`. */
export type GptqRole = (typeof GPTQ_ROLES)[number];

/** The group size that means one scale per output channel (AutoGPTQ's convention). */
export const PER_CHANNEL = -1;

/** Options of `gptqQuantize` and `rtnQuantize`. */
export interface GptqOptions {
  /** Code width, 2–8. */
  readonly bits: number;
  /**
   * Consecutive inputs that share a scale, per output channel (default 128); {@link PER_CHANNEL}
   * (-1) for one scale per output channel.
   */
  readonly groupSize?: number;
  /** Signed codes around zero (default) or unsigned codes with a zero point per group. */
  readonly symmetric?: boolean;
  /** Fraction of the mean diagonal of H added to its diagonal before inverting (default 0.01). */
  readonly damp?: number;
  /**
   * Quantize inputs in order of decreasing H diagonal (most active first; default false). Group
   * scales are then fixed up front from the original weights ("static groups"), so every group
   * stays a run of consecutive inputs that the encoding can describe.
   */
  readonly actOrder?: boolean;
  /** Columns per lazy batch update (default 128); changes speed, never the result. */
  readonly blockSize?: number;
  /**
   * How scales are stored: float16 per group (as AutoGPTQ and ggml store them; half the scale
   * bytes), float32 per channel, by default — as `quantizeAffine` does.
   */
  readonly scaleDType?: GptqScaleDType;
  /** The weight's layout (default `dense-kernel`, tfjs's `[in, out]`). */
  readonly role?: GptqRole;
}

/** Every {@link GptqScaleDType}: the list the type is derived from. */
export const GPTQ_SCALE_DTYPES = ['float32', 'float16'] as const;

/** The dtypes GPTQ stores scales in. */
export type GptqScaleDType = (typeof GPTQ_SCALE_DTYPES)[number];

/** {@link GptqOptions} with every default filled in; `groupSize` undefined means per channel. */
export interface ResolvedGptqOptions {
  readonly bits: number;
  readonly groupSize: number | undefined;
  readonly symmetric: boolean;
  readonly damp: number;
  readonly actOrder: boolean;
  readonly blockSize: number;
  readonly scaleDType: GptqScaleDType;
  readonly role: GptqRole;
}

/** Defaults of {@link GptqOptions}. */
export const GPTQ_DEFAULTS = {
  groupSize: 128,
  symmetric: true,
  damp: 0.01,
  actOrder: false,
  blockSize: 128,
  role: 'dense-kernel',
} as const;

/** Smallest and largest code width GPTQ accepts. */
export const GPTQ_BITS = { min: 2, max: 8 } as const;

/** Largest group and block size accepted (far beyond any layer width). */
export const GPTQ_MAX_SIZE = 2 ** 31;

/**
 * Checks options and fills in defaults; throws an `invalid-argument` WhittleError naming the
 * field at fault.
 *
 * @example
 * ```ts
 * resolveGptqOptions({ bits: 4 }); // { bits: 4, groupSize: 128, symmetric: true, damp: 0.01, ... }
 * ```
 */
export function resolveGptqOptions(options: GptqOptions): ResolvedGptqOptions {
  if (typeof options !== 'object' || options === null) {
    throw new WhittleError('invalid-argument', `expected GPTQ options, got ${describeValue(options)}`, { field: 'options' });
  }
  const bits = integer(options.bits, 'bits', GPTQ_BITS.min, GPTQ_BITS.max);
  const groupSize = integer(options.groupSize ?? GPTQ_DEFAULTS.groupSize, 'groupSize', PER_CHANNEL, GPTQ_MAX_SIZE);
  if (groupSize === 0) fail('groupSize must be -1 (per channel) or positive, got 0', 'groupSize');
  const damp = options.damp ?? GPTQ_DEFAULTS.damp;
  if (typeof damp !== 'number' || !(damp > 0) || !Number.isFinite(damp)) {
    fail(`damp must be a positive finite number, got ${describeValue(damp)}`, 'damp');
  }
  const scaleDType = options.scaleDType ?? (groupSize === PER_CHANNEL ? 'float32' : 'float16');
  if (!GPTQ_SCALE_DTYPES.includes(scaleDType)) {
    fail(`scaleDType must be float32 or float16, got ${describeValue(scaleDType)}`, 'scaleDType');
  }
  const role = options.role ?? GPTQ_DEFAULTS.role;
  if (!GPTQ_ROLES.includes(role)) fail(`role must be one of ${GPTQ_ROLES.join(', ')}; got ${describeValue(role)}`, 'role');
  return {
    bits,
    groupSize: groupSize === PER_CHANNEL ? undefined : groupSize,
    symmetric: boolean(options.symmetric ?? GPTQ_DEFAULTS.symmetric, 'symmetric'),
    damp,
    actOrder: boolean(options.actOrder ?? GPTQ_DEFAULTS.actOrder, 'actOrder'),
    blockSize: integer(options.blockSize ?? GPTQ_DEFAULTS.blockSize, 'blockSize', 1, GPTQ_MAX_SIZE),
    scaleDType,
    role,
  };
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`${field} must be an integer from ${min} to ${max}, got ${describeValue(value)}`, field);
  }
  return value;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(`${field} must be true or false, got ${describeValue(value)}`, field);
  return value;
}

function fail(message: string, field: string): never {
  throw new WhittleError('invalid-argument', message, { field });
}
