/**
 * The size a `lowrank.svd` step leaves, without building its factors: the ranks it would keep
 * and the shapes they give.
 */
import { byteLength, denseByteLength, encodingParamCount, type Model, type ModelSize, type StepLocation } from '@whittle/core';
import type { LowRankSvdStep } from './factorize-options.ts';
import { checkRewritable, hasFactorizableLayers, layerTargets } from './factorize-layers.ts';
import { paramTargets } from './factorize-params.ts';
import { planRanks } from './plan-ranks.ts';

/**
 * The params and exact storage bytes `compress` leaves after a `lowrank.svd` step with `config`
 * (validated): the ranks are chosen as the step chooses them, the factors never built. From
 * shapes alone for `rank` and a per-layer `budget`; `energy`, `tolerance` and a model-wide
 * `budget` read the weights and take each selected matrix's exact SVD, as the step does. With
 * `rewrite: false` the param count stays (a `lowrank` param has its logical shape) and each
 * factorized param stores float32 factors; with `rewrite: true` each factorized kernel of
 * rows × columns becomes kernels of r·(rows + columns) float32 values.
 *
 * @example
 * ```ts
 * const { params, bytes } = estimateFactorize(model, readFactorizeOptions({ kind: 'lowrank.svd', budget: 0.25 }, { step: 1 }), { step: 1 });
 * ```
 */
export function estimateFactorize(model: Model, config: LowRankSvdStep, context: StepLocation): ModelSize {
  const rewrite = config.rewrite ?? hasFactorizableLayers(model);
  if (rewrite) checkRewritable(model, context.step);
  const targets = rewrite ? layerTargets(model, config).targets : paramTargets(model, config);
  const factorized = new Map<string, { readonly rank: number; readonly rows: number; readonly columns: number }>();
  for (const decision of planRanks(targets, config, context)) {
    if ('rank' in decision) factorized.set(decision.target.name, { rank: decision.rank, ...decision.target.size });
  }
  let params = 0;
  let bytes = 0;
  for (const param of model.params.values()) {
    const found = factorized.get(param.name);
    if (found === undefined) {
      params += encodingParamCount(param.value);
      bytes += byteLength(param.value);
      continue;
    }
    const { rank, rows, columns } = found;
    params += rewrite ? rank * (rows + columns) : encodingParamCount(param.value);
    bytes += denseByteLength('float32', [rows, rank]) + denseByteLength('float32', [rank, columns]);
  }
  return { params, bytes };
}
