export { CANDIDATE_METHODS, MAX_CANDIDATE_LIST, candidateSettings, readCandidateSpace, type CandidateMethod, type SearchCandidateSpace } from './candidate-space.ts';
export { chooseSettings, type Choice, type ChoiceGroup, type ChoiceOption, type ChooseSettingsOptions } from './choose-settings.ts';
export { MAX_OUTPUT_ERROR, SEARCH_METRICS, measureModel, type ModelMeasurement, type ReferenceRun, type SearchData, type SearchMetric } from './measure-model.ts';
export { modelHash } from './model-hash.ts';
export { paretoFlags, type ParetoPoint } from './pareto-front.ts';
export { recipeFromChoices, type LayerChoice } from './recipe-from-choices.ts';
export {
  SEARCH_BITS,
  SEARCH_GROUP_BITS,
  SEARCH_GROUP_SIZE,
  SEARCH_RANK_FRACTIONS,
  SEARCH_SPARSITIES,
  SEARCH_STRUCTURED_SPARSITIES,
  SEARCH_TECHNIQUES,
  exactInclude,
  searchSettings,
  structuredSetting,
  type SearchSetting,
  type SearchTechnique,
} from './search-settings.ts';
export { SEARCH_LOSSES, type SearchLoss } from './search-loss.ts';
export { SEARCH_TARGET_FIELDS, readSearchTarget, type SearchTarget, type SearchTargetField } from './search-target.ts';
export { search, type SearchCandidate, type SearchFigures, type SearchOptions, type SearchProgress, type SearchResult } from './search.ts';
export { memorySensitivityCache, readSensitivityRecord, type MemorySensitivityCache, type SensitivityCache, type SensitivityRecord } from './sensitivity-cache.ts';
export {
  analyzeSensitivity,
  canonicalJson,
  type LayerSensitivity,
  type Sensitivity,
  type SensitivityEntry,
  type SensitivityOptions,
  type SensitivityProgress,
} from './sensitivity.ts';
