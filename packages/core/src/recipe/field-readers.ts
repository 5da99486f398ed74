/**
 * Readers for the fields of untrusted recipe steps (parsed JSON). Each returns the checked value
 * or throws an `invalid-recipe` WhittleError naming the step and field, so a handler's `validate`
 * reads top to bottom. A field may be a dotted path into nested objects (`granularity.size`).
 */
import { WhittleError } from '../errors.ts';
import { unsupportedGlobSyntax } from '../model/glob.ts';
import { PARAM_ROLES, isParamRole } from '../model/param-roles.ts';
import type { ParamRole } from '../model/types.ts';
import { describeValue } from '../tensor/shape.ts';
import type { ParamFilter, StepLocation } from './types.ts';

/** The fields a step is read from: a recipe step, or any object nested in one. */
export type StepFields = Readonly<Record<string, unknown>>;

/** The fields of {@link ParamFilter}, for lists of allowed fields. */
export const FILTER_FIELDS: readonly string[] = ['include', 'exclude', 'roles'];

/** Longest glob accepted, so a hostile recipe cannot make matching slow. */
export const MAX_GLOB_LENGTH = 1000;

/**
 * An integer field within `[min, max]`; `default` when the field is absent, else required.
 *
 * @example
 * ```ts
 * const bits = readInteger(step, 'bits', { min: 2, max: 8, default: 8 }, context);
 * ```
 */
export function readInteger(
  source: StepFields,
  field: string,
  options: { readonly min?: number; readonly max?: number; readonly default?: number } = {},
  context?: StepLocation,
): number {
  const value = readPath(source, field, context);
  if (value === undefined && options.default !== undefined) return options.default;
  const { min = -Infinity, max = Infinity } = options;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = rangeText(min, max);
    fail(`${field} must be an integer${range}, got ${describeValue(value)}`, field, context);
  }
  return value;
}

/**
 * A finite number field within `[min, max]` (bounds exclusive when asked); `default` when absent.
 *
 * @example
 * ```ts
 * const sparsity = readNumber(step, 'sparsity', { min: 0, max: 1, maxExclusive: true }, context);
 * ```
 */
export function readNumber(
  source: StepFields,
  field: string,
  options: {
    readonly min?: number;
    readonly max?: number;
    readonly minExclusive?: boolean;
    readonly maxExclusive?: boolean;
    readonly default?: number;
  } = {},
  context?: StepLocation,
): number {
  const value = readPath(source, field, context);
  if (value === undefined && options.default !== undefined) return options.default;
  const { min = -Infinity, max = Infinity, minExclusive = false, maxExclusive = false } = options;
  const inRange =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (minExclusive ? value > min : value >= min) &&
    (maxExclusive ? value < max : value <= max);
  if (!inRange) {
    const range = `${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive ? ')' : ']'}`;
    fail(`${field} must be a finite number in ${range}, got ${describeValue(value)}`, field, context);
  }
  return value as number;
}

/**
 * A boolean field; `default` when absent.
 *
 * @example
 * ```ts
 * const symmetric = readBoolean(step, 'symmetric', { default: true }, context);
 * ```
 */
export function readBoolean(
  source: StepFields,
  field: string,
  options: { readonly default?: boolean } = {},
  context?: StepLocation,
): boolean {
  const value = readPath(source, field, context);
  if (value === undefined && options.default !== undefined) return options.default;
  if (typeof value !== 'boolean') fail(`${field} must be true or false, got ${describeValue(value)}`, field, context);
  return value;
}

/**
 * A string field, non-empty unless `allowEmpty`; `default` when absent.
 *
 * @example
 * ```ts
 * const teacher = readString(step, 'teacher', {}, context);
 * ```
 */
export function readString(
  source: StepFields,
  field: string,
  options: { readonly default?: string; readonly allowEmpty?: boolean } = {},
  context?: StepLocation,
): string {
  const value = readPath(source, field, context);
  if (value === undefined && options.default !== undefined) return options.default;
  if (typeof value !== 'string' || (value.length === 0 && options.allowEmpty !== true)) {
    fail(`${field} must be a non-empty string, got ${describeValue(value)}`, field, context);
  }
  return value;
}

/**
 * A field that must be one of `values`; `default` when absent.
 *
 * @example
 * ```ts
 * const dtype = readEnum(step, 'dtype', ['float16', 'bfloat16'] as const, {}, context);
 * ```
 */
export function readEnum<Value extends string>(
  source: StepFields,
  field: string,
  values: readonly Value[],
  options: { readonly default?: Value } = {},
  context?: StepLocation,
): Value {
  const value = readPath(source, field, context);
  if (value === undefined && options.default !== undefined) return options.default;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    fail(`${field} must be one of ${values.join(', ')}; got ${describeValue(value)}`, field, context);
  }
  return value as Value;
}

/**
 * The {@link ParamFilter} fields of a step (`include`, `exclude`: arrays of non-empty globs;
 * `roles`: an array of param roles), with absent fields left absent.
 *
 * @example
 * ```ts
 * const filter = readFilter(step, context); // { include: ['dense*'] }
 * ```
 */
export function readFilter(step: StepFields, context?: StepLocation): ParamFilter {
  const filter: { include?: string[]; exclude?: string[]; roles?: ParamRole[] } = {};
  for (const field of ['include', 'exclude'] as const) {
    const value = readPath(step, field, context);
    if (value === undefined) continue;
    filter[field] = Array.from(readArray(value, field, context), (glob, index) =>
      readGlob(glob, `${field}[${index}]`, context),
    );
  }
  const roles = readPath(step, 'roles', context);
  if (roles !== undefined) {
    filter.roles = Array.from(readArray(roles, 'roles', context), (role, index) => {
      if (!isParamRole(role)) {
        fail(`unknown role ${describeValue(role)}; roles are ${PARAM_ROLES.join(', ')}`, `roles[${index}]`, context);
      }
      return role;
    });
  }
  return filter;
}

/**
 * A copy of a filter's fields for a step factory's output: absent fields stay absent (not
 * `undefined`), so the step survives a JSON round trip unchanged, and arrays are not shared.
 *
 * @example
 * ```ts
 * copyFilter({ exclude: ['head/**'] }); // { exclude: ['head/**'] }
 * ```
 */
export function copyFilter(filter: ParamFilter): ParamFilter {
  const copy: { include?: string[]; exclude?: string[]; roles?: ParamRole[] } = {};
  if (filter.include !== undefined) copy.include = [...filter.include];
  if (filter.exclude !== undefined) copy.exclude = [...filter.exclude];
  if (filter.roles !== undefined) copy.roles = [...filter.roles];
  return copy;
}

/**
 * Rejects fields a step does not know (`kind` is always allowed): an unknown field is most often
 * a typo the user wants to hear about, not to have ignored. Suggests the nearest allowed field.
 * With `path`, checks the object nested there instead (absent is fine; not an object is an error).
 *
 * @example
 * ```ts
 * rejectUnknownFields(step, ['bits', 'granularity', ...FILTER_FIELDS], context);
 * rejectUnknownFields(step, ['axis', 'size'], context, 'granularity');
 * ```
 */
export function rejectUnknownFields(
  source: StepFields,
  allowed: readonly string[],
  context?: StepLocation,
  path?: string,
): void {
  const target = path === undefined ? source : readPath(source, path, context);
  if (target === undefined) return;
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    fail(`${path} must be an object, got ${describeValue(target)}`, path ?? '', context);
  }
  for (const field of Object.keys(target)) {
    if (field === 'kind' || allowed.includes(field)) continue;
    const nearest = nearestField(field, allowed);
    const hint = nearest === undefined ? '' : ` (did you mean ${JSON.stringify(nearest)}?)`;
    const known = allowed.length === 0 ? 'none' : allowed.join(', ');
    const location = path === undefined ? field : `${path}.${field}`;
    fail(`unknown field ${describeValue(location)}${hint}; known fields: ${known}`, location, context);
  }
}

function rangeText(min: number, max: number): string {
  if (min === -Infinity) return max === Infinity ? '' : ` of at most ${max}`;
  return max === Infinity ? ` of at least ${min}` : ` from ${min} to ${max}`;
}

function readPath(source: StepFields, field: string, context: StepLocation | undefined): unknown {
  let value: unknown = source;
  let walked = '';
  for (const name of field.split('.')) {
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(`${walked} must be an object, got ${describeValue(value)}`, walked, context);
    }
    // Own fields only: `toString` or `__proto__` are never recipe fields.
    value = Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
    walked = walked === '' ? name : `${walked}.${name}`;
  }
  return value;
}

function readArray(value: unknown, field: string, context: StepLocation | undefined): readonly unknown[] {
  if (!Array.isArray(value)) fail(`${field} must be an array, got ${describeValue(value)}`, field, context);
  return value;
}

function readGlob(value: unknown, field: string, context: StepLocation | undefined): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_GLOB_LENGTH) {
    fail(`expected a glob of 1 to ${MAX_GLOB_LENGTH} characters, got ${describeValue(value)}`, field, context);
  }
  const unsupported = unsupportedGlobSyntax(value);
  if (unsupported !== undefined) fail(unsupported, field, context);
  return value;
}

function nearestField(field: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(field.length / 3)) + 1;
  for (const candidate of allowed) {
    const distance = editDistance(field.toLowerCase(), candidate.toLowerCase(), bestDistance);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance, giving up at `limit` so a long hostile field name costs little. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function fail(message: string, field: string, context: StepLocation | undefined, cause?: unknown): never {
  throw new WhittleError('invalid-recipe', message, { field, step: context?.step }, cause === undefined ? {} : { cause });
}
