export { estimateStructured } from './estimate-structured.ts';
export { groupImportance } from './group-importance.ts';
export { keptChannelCount } from './kept-channel-count.ts';
export { planStructuredPruning } from './plan-structured-pruning.ts';
export { applyStructuredPlan, pruneStructured, type StructuredResult } from './prune-structured.ts';
export {
  STRUCTURED_NORMS,
  STRUCTURED_SCOPES,
  type ChannelImportance,
  type PlannedGroup,
  type SkippedGroup,
  type StructuredNorm,
  type StructuredOptions,
  type StructuredPlan,
  type StructuredScope,
  type StructuredSettings,
} from './structured-options.ts';
export { structured, structuredHandler, type StructuredStep } from './structured-step.ts';
