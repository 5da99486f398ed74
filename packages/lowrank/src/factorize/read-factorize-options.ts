/**
 * A `lowrank.svd` step read from untrusted recipe JSON: every field checked, every bad one a
 * typed error naming it.
 */
import {
  FILTER_FIELDS,
  WhittleError,
  readBoolean,
  readEnum,
  readFilter,
  readInteger,
  readNumber,
  rejectUnknownFields,
  type StepFields,
  type StepLocation,
} from '@whittle/core';
import { MAX_POWER_ITERATIONS } from '../linalg/index.ts';
import {
  BUDGET_SCOPES,
  RANDOMIZED_FIELDS,
  RANK_FIELDS,
  SVD_METHODS,
  type LowRankSvdStep,
} from './factorize-options.ts';

/** The largest rank a step may name: far above any matrix whittle can hold, far below overflow. */
export const MAX_RANK = 1 << 24;

/** The largest oversampling a step may name. */
export const MAX_OVERSAMPLING = 1 << 16;

/**
 * The validated form of a `lowrank.svd` step: exactly one rank criterion, `method` set,
 * `budgetScope` set when `budget` is given, randomized fields only with `method: 'randomized'`.
 * Throws an `invalid-recipe` WhittleError naming the step and the field.
 *
 * @example
 * ```ts
 * readFactorizeOptions({ kind: 'lowrank.svd', budget: 0.25 }, { step: 1 });
 * // { kind: 'lowrank.svd', budget: 0.25, budgetScope: 'model', method: 'exact' }
 * ```
 */
export function readFactorizeOptions(step: StepFields, context: StepLocation): LowRankSvdStep {
  rejectUnknownFields(step, [...RANK_FIELDS, 'budgetScope', 'method', ...RANDOMIZED_FIELDS, 'rewrite', ...FILTER_FIELDS], context);
  const fail = (message: string, field: string): never => {
    throw new WhittleError('invalid-recipe', message, { step: context.step, field });
  };
  const given = RANK_FIELDS.filter((field) => step[field] !== undefined);
  if (given.length === 0) fail(`the step needs one of ${RANK_FIELDS.join(', ')}`, 'rank');
  if (given.length > 1) fail(`give one of ${RANK_FIELDS.join(', ')}, not both ${given[0]} and ${given[1]}`, given[1]!);
  const criterion = given[0]!;
  const result: Record<string, unknown> = { kind: 'lowrank.svd' };
  if (criterion === 'rank') result.rank = readInteger(step, 'rank', { min: 1, max: MAX_RANK }, context);
  if (criterion === 'energy') result.energy = readNumber(step, 'energy', { min: 0, max: 1, minExclusive: true }, context);
  if (criterion === 'budget') {
    result.budget = readNumber(step, 'budget', { min: 0, max: 1, minExclusive: true, maxExclusive: true }, context);
  }
  if (criterion === 'tolerance') {
    result.tolerance = readNumber(step, 'tolerance', { min: 0, max: 1, minExclusive: true, maxExclusive: true }, context);
  }
  if (step.budgetScope !== undefined && criterion !== 'budget') fail('budgetScope applies to a budget only', 'budgetScope');
  if (criterion === 'budget') result.budgetScope = readEnum(step, 'budgetScope', BUDGET_SCOPES, { default: 'model' }, context);
  const method = readEnum(step, 'method', SVD_METHODS, { default: 'exact' }, context);
  result.method = method;
  if (method === 'randomized') {
    if (criterion !== 'rank' && !(criterion === 'budget' && result.budgetScope === 'layer')) {
      fail(`method 'randomized' needs rank, or budget with budgetScope 'layer': ${criterion} needs the whole spectrum`, 'method');
    }
    if (step.oversampling !== undefined) result.oversampling = readInteger(step, 'oversampling', { min: 0, max: MAX_OVERSAMPLING }, context);
    if (step.powerIterations !== undefined) {
      result.powerIterations = readInteger(step, 'powerIterations', { min: 0, max: MAX_POWER_ITERATIONS }, context);
    }
    if (step.seed !== undefined) result.seed = readInteger(step, 'seed', { min: -0x80000000, max: 0xffffffff }, context);
  } else {
    const stray = RANDOMIZED_FIELDS.find((field) => step[field] !== undefined);
    if (stray !== undefined) fail(`${stray} applies to method 'randomized' only`, stray);
  }
  if (step.rewrite !== undefined) result.rewrite = readBoolean(step, 'rewrite', {}, context);
  return { ...result, ...readFilter(step, context) } as LowRankSvdStep;
}
