/**
 * `lowrank.svd` with `rewrite: false`: each selected param stored as a `lowrank` encoding whose
 * factors are dense float32, the model's topology untouched. Works on weights-only checkpoints,
 * one param at a time when the criterion allows.
 */
import {
  denseEncoding,
  hostTensor,
  lowRankEncoding,
  replaceParams,
  selectParams,
  type Encoding,
  type Model,
  type StepContext,
} from '@whittle/core';
import type { LowRankSvdStep } from './factorize-options.ts';
import { FACTORIZE_ROLES } from './factorize-roles.ts';
import { locatedError } from './located.ts';
import { matrixFactors, matrixSize, matrixValues, whyNotAMatrix, type MatrixFactors, type MatrixSize } from './matrix-factors.ts';
import { planRanks, type FactorizeTarget } from './plan-ranks.ts';

/**
 * `model` with every param `config` selects (validated; default roles {@link FACTORIZE_ROLES})
 * replaced by the `lowrank` encoding of its rank-r truncated SVD, where that cuts its
 * parameters; params left whole are noted with the reason. The input model is left as it is.
 *
 * @example
 * ```ts
 * const smaller = await factorizeParams(checkpoint, readFactorizeOptions({ kind: 'lowrank.svd', rank: 8, rewrite: false }, { step: 1 }), { step: 1, resources: {} });
 * ```
 */
export async function factorizeParams(
  model: Model,
  config: LowRankSvdStep,
  context: Pick<StepContext, 'step' | 'signal' | 'onParam' | 'note'>,
): Promise<Model> {
  const decisions = planRanks(paramTargets(model, config, context.note), config, context);
  const updates = new Map<string, Encoding>();
  for (const [index, decision] of decisions.entries()) {
    context.signal?.throwIfAborted();
    const { target } = decision;
    if ('reason' in decision) context.note?.(`${target.name}: left alone: ${decision.reason}`);
    else {
      const factors = await factorsLocated(target, decision.rank, config, context.step, decision.decomposition);
      updates.set(target.name, factorEncoding(model.params.get(target.name)!.shape, target.size, factors));
    }
    context.onParam?.(target.name, index + 1, decisions.length);
  }
  return replaceParams(model, updates);
}

/**
 * The params of `model` that `config` selects and may factorize, as matrices; the others are
 * given to `note` with the reason they are left alone.
 *
 * @example
 * ```ts
 * paramTargets(model, config, console.log).map((target) => target.size); // [{ rows: 784, columns: 256 }]
 * ```
 */
export function paramTargets(model: Model, config: LowRankSvdStep, note?: (message: string) => void): FactorizeTarget[] {
  const targets: FactorizeTarget[] = [];
  for (const param of selectParams(model, config, FACTORIZE_ROLES)) {
    const reason = whyNotAMatrix(param);
    if (reason !== undefined) note?.(`${param.name}: left alone: ${reason}`);
    else targets.push({ name: param.name, size: matrixSize(param.shape)!, values: () => matrixValues(param) });
  }
  return targets;
}

/**
 * The `lowrank` encoding of a param of `shape` from its factors: left [rows, r], right [r, columns].
 *
 * @example
 * ```ts
 * factorEncoding([784, 256], { rows: 784, columns: 256 }, factors).kind; // 'lowrank'
 * ```
 */
export function factorEncoding(shape: readonly number[], size: MatrixSize, factors: MatrixFactors): Encoding {
  return lowRankEncoding({
    shape: [...shape],
    left: denseEncoding(hostTensor('float32', [size.rows, factors.rank], factors.left)),
    right: denseEncoding(hostTensor('float32', [factors.rank, size.columns], factors.right)),
  });
}

/** A target's factors, with an error the SVD throws naming the param. */
export async function factorsLocated(
  target: FactorizeTarget,
  rank: number,
  config: LowRankSvdStep,
  step: number,
  decomposition?: Parameters<typeof matrixFactors>[4],
): Promise<MatrixFactors> {
  try {
    return await matrixFactors(target.values(), target.size, rank, config, decomposition);
  } catch (error) {
    throw locatedError(error, target.name, step);
  }
}
