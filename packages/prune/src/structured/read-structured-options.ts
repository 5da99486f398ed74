/**
 * Reading structured-pruning settings from untrusted data (a JSON recipe step or a code caller's
 * options): every field checked, every refusal one `invalid-recipe` line naming the field.
 */
import {
  FILTER_FIELDS,
  WhittleError,
  describeValue,
  globToRegExp,
  isWhittleError,
  readEnum,
  readFilter,
  readInteger,
  readNumber,
  rejectUnknownFields,
  type StepFields,
  type StepLocation,
} from '@whittle/core';
import { STRUCTURED_NORMS, STRUCTURED_SCOPES, type StructuredOptions } from './structured-options.ts';

/** The fields a structured step may hold besides `kind` and the filter's. */
export const STRUCTURED_FIELDS: readonly string[] = ['sparsity', 'norm', 'scope', 'roundTo', 'ignore', 'importance', ...FILTER_FIELDS];

/** The largest `roundTo` accepted: no layer has more channels than this. */
export const MAX_ROUND_TO = 1 << 20;

/** The most `ignore` globs accepted, so a hostile recipe cannot make matching slow. */
export const MAX_IGNORE_GLOBS = 1000;

/** The longest `ignore` glob accepted. */
const MAX_GLOB_LENGTH = 1000;

/**
 * The checked options of a structured step or of a code caller: defaults filled in (`norm`
 * `l1`, `scope` `group`, `roundTo` 1, no `ignore`), absent filter fields left absent, and
 * `importance` kept when it is a function. Throws an `invalid-recipe` WhittleError naming the
 * field (and the step, given `context`) for anything else.
 *
 * @example
 * ```ts
 * readStructuredOptions({ sparsity: 0.5, roundTo: 8 }); // { sparsity: 0.5, norm: 'l1', scope: 'group', roundTo: 8, ignore: [] }
 * ```
 */
export function readStructuredOptions(
  source: unknown,
  context?: StepLocation
): StructuredOptions & {
  readonly norm: NonNullable<StructuredOptions['norm']>;
  readonly scope: NonNullable<StructuredOptions['scope']>;
  readonly roundTo: number;
  readonly ignore: readonly string[];
} {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    fail(`structured pruning options must be an object, got ${describeValue(source)}`, 'options', context);
  }
  const fields = source as StepFields;
  rejectUnknownFields(fields, STRUCTURED_FIELDS, context);
  const importance = Object.hasOwn(fields, 'importance') ? fields.importance : undefined;
  if (importance !== undefined && typeof importance !== 'function') {
    fail(`importance must be a function (group, model) => scores, given in code; got ${describeValue(importance)}`, 'importance', context);
  }
  return {
    sparsity: readNumber(fields, 'sparsity', { min: 0, max: 1, maxExclusive: true }, context),
    norm: readEnum(fields, 'norm', STRUCTURED_NORMS, { default: 'l1' }, context),
    scope: readEnum(fields, 'scope', STRUCTURED_SCOPES, { default: 'group' }, context),
    roundTo: readInteger(fields, 'roundTo', { min: 1, max: MAX_ROUND_TO, default: 1 }, context),
    ignore: readIgnore(Object.hasOwn(fields, 'ignore') ? fields.ignore : undefined, context),
    ...readFilter(fields, context),
    ...(importance === undefined ? {} : { importance: importance as StructuredOptions['importance'] }),
  };
}

function readIgnore(value: unknown, context: StepLocation | undefined): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_IGNORE_GLOBS) {
    fail(`ignore must be an array of at most ${MAX_IGNORE_GLOBS} globs, got ${describeValue(value)}`, 'ignore', context);
  }
  return Array.from(value as unknown[], (glob, index) => {
    const field = `ignore[${index}]`;
    if (typeof glob !== 'string' || glob.length === 0 || glob.length > MAX_GLOB_LENGTH) {
      fail(`expected a glob of 1 to ${MAX_GLOB_LENGTH} characters, got ${describeValue(glob)}`, field, context);
    }
    try {
      globToRegExp(glob);
    } catch (error) {
      if (!isWhittleError(error)) throw error;
      fail(error.detail, field, context);
    }
    return glob;
  });
}

function fail(message: string, field: string, context: StepLocation | undefined): never {
  throw new WhittleError('invalid-recipe', message, {
    field,
    step: context?.step,
  });
}
