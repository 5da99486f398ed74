/**
 * Readers for the fields quantize steps share, on top of core's field readers: optional
 * integers, the granularity object, and copying a filter into a factory's output.
 */
import {
  WhittleError,
  readEnum,
  readInteger,
  rejectUnknownFields,
  type RecipeStep,
  type StepLocation,
} from '@whittle/core';
import { GRANULARITY_KINDS, type GranularityConfig } from './param-granularity.ts';

/**
 * Throws the `invalid-recipe` error for `field` of the current step.
 *
 * @example
 * ```ts
 * if (bits === 12) failStep('bits must be 1–8 or 16, got 12', 'bits', context);
 * ```
 */
export function failStep(message: string, field: string, context: StepLocation): never {
  throw new WhittleError('invalid-recipe', message, { field, step: context.step });
}

/**
 * An integer field that may be absent (then `undefined`), at a dotted path.
 *
 * @example
 * ```ts
 * const axis = readOptionalInteger(step, 'granularity.axis', { min: -8, max: 7 }, context);
 * ```
 */
export function readOptionalInteger(
  step: RecipeStep,
  field: string,
  options: { readonly min?: number; readonly max?: number },
  context: StepLocation,
): number | undefined {
  let value: unknown = step;
  for (const name of field.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value === undefined ? undefined : readInteger(step, field, options, context);
}

/** Largest tensor rank an explicit axis may count from (covers any real weight). */
const MAX_AXIS = 64;

/**
 * The `granularity` of an affine step: `{ kind: 'tensor' }`, `{ kind: 'axis', axis? }` or
 * `{ kind: 'group', size, axis? }`; `fallback` when the field is absent.
 *
 * @example
 * ```ts
 * const granularity = readGranularityConfig(step, { kind: 'axis' }, context);
 * ```
 */
export function readGranularityConfig(
  step: RecipeStep,
  fallback: GranularityConfig,
  context: StepLocation,
): GranularityConfig {
  if (step.granularity === undefined) return fallback;
  rejectUnknownFields(step, ['axis', 'size'], context, 'granularity');
  const kind = readEnum(step, 'granularity.kind', GRANULARITY_KINDS, {}, context);
  if (kind === 'tensor') {
    rejectUnknownFields(step, [], context, 'granularity');
    return { kind };
  }
  const axis = readOptionalInteger(step, 'granularity.axis', { min: -MAX_AXIS, max: MAX_AXIS - 1 }, context);
  if (kind === 'axis') {
    rejectUnknownFields(step, ['axis'], context, 'granularity');
    return axis === undefined ? { kind } : { kind, axis };
  }
  const size = readInteger(step, 'granularity.size', { min: 1, max: 2 ** 31 - 1 }, context);
  return axis === undefined ? { kind, size } : { kind, size, axis };
}
