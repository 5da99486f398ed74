/**
 * The `quantize.gptq` recipe step: plain JSON data, and its validation.
 */
import {
  FILTER_FIELDS,
  WhittleError,
  describeValue,
  readBoolean,
  readEnum,
  readFilter,
  readInteger,
  readNumber,
  rejectUnknownFields,
  type ParamFilter,
  type RecipeStep,
  type StepLocation,
} from '@whittle/core';
import { GPTQ_BITS, GPTQ_DEFAULTS, GPTQ_MAX_SIZE, GPTQ_ROLES, GPTQ_SCALE_DTYPES, PER_CHANNEL, type GptqOptions } from './gptq-options.ts';

/** The recipe kind of GPTQ steps. */
export const GPTQ_KIND = 'quantize.gptq';

/** The GPTQ settings a recipe step carries: everything in `GptqOptions` but the layout, which comes from each param's role. */
export type GptqSettings = Omit<GptqOptions, 'role'>;

/**
 * A `quantize.gptq` step. Selects Dense kernels and Linear weights (`roles` may narrow that, not
 * widen it); each selected param needs calibration data (the `calibration` resource; see `gptqHandler`).
 */
export interface GptqStep extends RecipeStep, ParamFilter, GptqSettings {
  readonly kind: typeof GPTQ_KIND;
}

/** A validated {@link GptqStep}: every default filled in. */
export type GptqConfig = GptqStep & Required<GptqSettings>;

const SETTING_FIELDS = ['bits', 'groupSize', 'symmetric', 'damp', 'actOrder', 'blockSize', 'scaleDType'] as const;

/**
 * A `quantize.gptq` step: plain, JSON-serialisable data (absent settings keep their defaults).
 *
 * @example
 * ```ts
 * const step = gptq({ bits: 4, groupSize: 128, actOrder: true, exclude: ['head/**'] });
 * ```
 */
export function gptq(settings: GptqSettings & ParamFilter): GptqStep {
  const step: Record<string, unknown> = { kind: GPTQ_KIND };
  // Absent fields stay absent (not `undefined`), so the step survives a JSON round trip unchanged.
  for (const field of SETTING_FIELDS) if (settings[field] !== undefined) step[field] = settings[field];
  if (settings.include !== undefined) step.include = [...settings.include];
  if (settings.exclude !== undefined) step.exclude = [...settings.exclude];
  if (settings.roles !== undefined) step.roles = [...settings.roles];
  return step as unknown as GptqStep;
}

/**
 * Checks an untrusted `quantize.gptq` step and fills in defaults; throws an `invalid-recipe`
 * WhittleError naming the step and field.
 *
 * @example
 * ```ts
 * validateGptqStep({ kind: 'quantize.gptq', bits: 3 }, { step: 1 }).groupSize; // 128
 * ```
 */
export function validateGptqStep(step: RecipeStep, context: StepLocation): GptqConfig {
  rejectUnknownFields(step, [...SETTING_FIELDS, ...FILTER_FIELDS], context);
  const bits = readInteger(step, 'bits', { min: GPTQ_BITS.min, max: GPTQ_BITS.max }, context);
  const groupSize = readInteger(step, 'groupSize', { min: PER_CHANNEL, max: GPTQ_MAX_SIZE, default: GPTQ_DEFAULTS.groupSize }, context);
  if (groupSize === 0) {
    throw new WhittleError('invalid-recipe', 'groupSize must be -1 (per channel) or positive, got 0', {
      field: 'groupSize',
      step: context.step,
    });
  }
  const config: GptqConfig = {
    kind: GPTQ_KIND,
    bits,
    groupSize,
    symmetric: readBoolean(step, 'symmetric', { default: GPTQ_DEFAULTS.symmetric }, context),
    damp: readNumber(step, 'damp', { min: 0, minExclusive: true, default: GPTQ_DEFAULTS.damp }, context),
    actOrder: readBoolean(step, 'actOrder', { default: GPTQ_DEFAULTS.actOrder }, context),
    blockSize: readInteger(step, 'blockSize', { min: 1, max: GPTQ_MAX_SIZE, default: GPTQ_DEFAULTS.blockSize }, context),
    scaleDType: readEnum(step, 'scaleDType', GPTQ_SCALE_DTYPES, { default: groupSize === PER_CHANNEL ? 'float32' : 'float16' }, context),
    ...readFilter(step, context),
  };
  config.roles?.forEach((role, index) => {
    if (!(GPTQ_ROLES as readonly string[]).includes(role)) {
      throw new WhittleError(
        'invalid-recipe',
        `GPTQ quantizes ${GPTQ_ROLES.join(' and ')} params, not ${describeValue(role)}`,
        { field: `roles[${index}]`, step: context.step },
      );
    }
  });
  return config;
}
