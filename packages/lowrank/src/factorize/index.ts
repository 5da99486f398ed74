export { BUDGET_SCOPES, SVD_METHODS, lowRankSvd } from './factorize-options.ts';
export type { BudgetScope, LowRankSvdOptions, LowRankSvdStep, SvdMethod } from './factorize-options.ts';
export { readFactorizeOptions } from './read-factorize-options.ts';
export { FACTORIZE_ROLES } from './factorize-roles.ts';
export { estimateFactorize } from './estimate-factorize.ts';
export { factorizeLayers, hasFactorizableLayers } from './factorize-layers.ts';
export { factorizeParams } from './factorize-params.ts';
export { lowRankSvdHandler } from './factorize-step.ts';
export { lowrankHandlers } from '../recipes/index.ts';
