/**
 * `quantize.affine`: uniform quantization to 1–8 or 16 bits, per tensor, per axis (channel) or
 * per group, with the axes read off each param's role.
 */
import {
  WEIGHT_ROLES,
  FILTER_FIELDS,
  copyFilter,
  estimateParams,
  mapParams,
  readBoolean,
  readEnum,
  readFilter,
  readInteger,
  rejectUnknownFields,
  isValidBits,
  type ParamFilter,
  type ParamRole,
  type RecipeHandler,
  type RecipeStep,
} from '@whittle/core';
import { quantizeAffine, quantizeAffineByteLength, type QuantizeAffineOptions } from '../primitives/quantize-affine.ts';
import { createAffineScratch, type AffineScratch } from '../primitives/quantize-affine-destination.ts';
import { SCALE_GRIDS, type ScaleGrid } from '../primitives/affine-kernels.ts';
import type { ScaleDType } from '../primitives/representable-scale.ts';
import { paramGranularity, type GranularityConfig } from './param-granularity.ts';
import { encodeFloatParam, floatParamByteLength } from './float-param.ts';
import { failStep, readGranularityConfig } from './step-fields.ts';

/** The dtypes a `quantize.affine` step stores scales in: the list {@link AffineStepScaleDType} is derived from. */
export const AFFINE_STEP_SCALE_DTYPES = ['float32', 'float16'] as const satisfies readonly ScaleDType[];

/** The dtypes a `quantize.affine` step stores scales in. */
export type AffineStepScaleDType = (typeof AFFINE_STEP_SCALE_DTYPES)[number];

/** A `quantize.affine` step. */
export interface AffineStep extends RecipeStep, ParamFilter {
  readonly kind: 'quantize.affine';
  /** Code width: 1–8 or 16. */
  readonly bits: number;
  /** Signed codes, no zero points (true); or unsigned codes with a zero point per scale. */
  readonly symmetric: boolean;
  /** Drop the lowest code (`[-127, 127]` for 8 bits signed). */
  readonly narrowRange?: boolean;
  readonly granularity: GranularityConfig;
  /** Default: float16 per group (ggml's layout), float32 otherwise. */
  readonly scaleDType?: AffineStepScaleDType;
  /**
   * How symmetric scales are chosen (see `QuantizeAffineOptions.grid`): default `'signed-extreme'`
   * (ggml's q4_0 grid) for 4-bit groups, `'absmax'` otherwise.
   */
  readonly grid?: ScaleGrid;
}

/** Options of {@link affine}: the step's fields, with defaults. */
export interface AffineOptions extends ParamFilter {
  readonly bits: number;
  /** Default true. */
  readonly symmetric?: boolean;
  readonly narrowRange?: boolean;
  /** Default `{ kind: 'axis' }`: per output channel. */
  readonly granularity?: GranularityConfig;
  readonly scaleDType?: AffineStepScaleDType;
  readonly grid?: ScaleGrid;
}

/**
 * A `quantize.affine` step: plain JSON data, defaults written out.
 *
 * @example
 * ```ts
 * affine({ bits: 4, granularity: { kind: 'group', size: 32 } });
 * // { kind: 'quantize.affine', bits: 4, symmetric: true, granularity: { kind: 'group', size: 32 } }
 * ```
 */
export function affine(options: AffineOptions): AffineStep {
  const { bits, symmetric = true, narrowRange, granularity = { kind: 'axis' }, scaleDType, grid } = options;
  return {
    kind: 'quantize.affine',
    bits,
    symmetric,
    ...(narrowRange === undefined ? {} : { narrowRange }),
    granularity: { ...granularity },
    ...(scaleDType === undefined ? {} : { scaleDType }),
    ...(grid === undefined ? {} : { grid }),
    ...copyFilter(options),
  };
}

/** The handler for `quantize.affine` steps. */
export const affineHandler: RecipeHandler<AffineStep> = {
  kind: 'quantize.affine',
  description: 'affine (uniform) quantization, 1–8 or 16 bits, per tensor, channel or group',
  example: { kind: 'quantize.affine', bits: 4, symmetric: true, granularity: { kind: 'group', size: 32 } },
  effect: 're-encodes-params',
  defaultRoles: WEIGHT_ROLES,
  perParam: true,
  validate(step, context) {
    rejectUnknownFields(step, ['bits', 'symmetric', 'narrowRange', 'granularity', 'scaleDType', 'grid', ...FILTER_FIELDS], context);
    const bits = readInteger(step, 'bits', { min: 1, max: 16 }, context);
    if (!isValidBits(bits)) failStep(`bits must be 1–8 or 16, got ${bits}`, 'bits', context);
    const symmetric = readBoolean(step, 'symmetric', { default: true }, context);
    if (symmetric && bits < 2) failStep('symmetric quantization needs at least 2 bits', 'symmetric', context);
    const narrowRange = readBoolean(step, 'narrowRange', { default: false }, context);
    if (narrowRange && bits === 1) failStep('a narrow range leaves 1-bit codes a single level', 'narrowRange', context);
    const granularity = readGranularityConfig(step, { kind: 'axis' }, context);
    const scaleDType =
      step.scaleDType === undefined
        ? undefined
        : readEnum(step, 'scaleDType', AFFINE_STEP_SCALE_DTYPES, {}, context);
    const grid = step.grid === undefined ? undefined : readEnum(step, 'grid', SCALE_GRIDS, {}, context);
    if (grid === 'signed-extreme' && !symmetric) failStep('the signed-extreme grid needs symmetric codes', 'grid', context);
    return {
      kind: 'quantize.affine',
      bits,
      symmetric,
      narrowRange,
      granularity,
      ...(scaleDType === undefined ? {} : { scaleDType }),
      ...(grid === undefined ? {} : { grid }),
      ...readFilter(step, context),
    };
  },
  encodeParam: (param, config) =>
    encodeFloatParam(param, (tensor, { role }) => quantizeAffine(tensor, affineOptions(config, role, tensor.shape), { scratch: stepScratch(config) })),
  estimate: (model, config, context) =>
    estimateParams(model, config, WEIGHT_ROLES, context, (param) =>
      floatParamByteLength(param, (tensor, role) => quantizeAffineByteLength(tensor.shape, affineOptions(config, role, tensor.shape))),
    ),
  apply(model, config, context) {
    return mapParams(model, config, WEIGHT_ROLES, context, (param) => affineHandler.encodeParam!(param, config, context));
  },
};

/**
 * One scratch per validated step, shared by every param (and every streamed block of rows) it
 * encodes, and dropped with the step: the JS kernels' working memory is allocated once per step,
 * not per tensor. Outputs are never shared: each encoding keeps its own.
 */
const scratches = new WeakMap<AffineStep, AffineScratch>();

function stepScratch(config: AffineStep): AffineScratch {
  let scratch = scratches.get(config);
  if (scratch === undefined) {
    scratch = createAffineScratch();
    scratches.set(config, scratch);
  }
  return scratch;
}

/** What `quantizeAffine` is asked for a param of `role` and `shape` under a step. */
function affineOptions(config: AffineStep, role: ParamRole, shape: readonly number[]): QuantizeAffineOptions {
  const { bits, symmetric, narrowRange, scaleDType, grid } = config;
  return {
    bits,
    symmetric,
    narrowRange: narrowRange ?? false,
    granularity: paramGranularity(config.granularity, role, shape),
    ...(scaleDType === undefined ? {} : { scaleDType }),
    ...(grid === undefined ? {} : { grid }),
  };
}
