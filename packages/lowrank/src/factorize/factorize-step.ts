/**
 * `lowrank.svd`: truncated-SVD factorization of Dense and Conv2D layers into stock layers, or of
 * any selected matrix into a `lowrank` encoding.
 */
import type { RecipeHandler } from '@whittle/core';
import { estimateFactorize } from './estimate-factorize.ts';
import type { LowRankSvdStep } from './factorize-options.ts';
import { factorizeLayers, hasFactorizableLayers } from './factorize-layers.ts';
import { factorizeParams } from './factorize-params.ts';
import { FACTORIZE_ROLES } from './factorize-roles.ts';
import { readFactorizeOptions } from './read-factorize-options.ts';

/**
 * The handler for `lowrank.svd` steps. With `rewrite: false` (or absent on a model without Dense
 * or Conv2D layers, such as a weights-only checkpoint) each param is encoded on its own, so a
 * safetensors checkpoint streams one param at a time, except under a model-wide `budget`, which
 * needs every spectrum at once. `method: 'randomized'` runs its products on the tfjs backend.
 *
 * @example
 * ```ts
 * const registry = createRecipeRegistry([lowRankSvdHandler]);
 * const { model: smaller } = await compress(model, [{ kind: 'lowrank.svd', budget: 0.25 }], { registry });
 * ```
 */
export const lowRankSvdHandler: RecipeHandler<LowRankSvdStep> = {
  kind: 'lowrank.svd',
  description: 'truncated-SVD factorization: Dense and Conv2D layers into two stock layers each, or params into lowrank encodings',
  example: { kind: 'lowrank.svd', budget: 0.25 },
  effect: 'rewrites-topology',
  defaultRoles: FACTORIZE_ROLES,
  perParam: true,
  // A thin block of a tensor's rows may not pay to factorize where the whole tensor does.
  wholeTensors: true,
  streamsConfig: (config) => config.rewrite !== true && !(config.budget !== undefined && config.budgetScope !== 'layer'),
  // The randomized SVD multiplies on tfjs; the exact one is host maths.
  runsOnTfjs: (config) => config.method === 'randomized',
  validate: (step, context) => readFactorizeOptions(step, context),
  estimate: (model, config, context) => estimateFactorize(model, config, context),
  apply(model, config, context) {
    const rewrite = config.rewrite ?? hasFactorizableLayers(model);
    return rewrite ? factorizeLayers(model, config, context) : factorizeParams(model, config, context);
  },
};
