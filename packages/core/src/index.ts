/**
 * `@whittle/core`: the tensor interface, backends, encodings, the model as data, recipes and
 * metrics. Every public name is listed here on purpose (the API report in `api/` is checked);
 * formats have their own entry points: `@whittle/core/tfjs`, `@whittle/core/safetensors`, and
 * `@whittle/core/fs` for files.
 */
export { installChainedOps } from './backend/chained-ops.ts';
export { registerConvolutionGradients } from './backend/convolution-gradients.ts';
export { gradientsRegistered, loadGradients, requireGradients } from './backend/gradients.ts';
export { requireBackend } from './backend/require-backend.ts';
export { detectRuntime } from './backend/runtime.ts';
export type { RuntimeName } from './backend/runtime.ts';
export { BACKEND_NAMES, backendInfo, useBackend } from './backend/use-backend.ts';
export type { BackendInfo, BackendName, UseBackendOptions, WasmFileName } from './backend/use-backend.ts';
export { affineByteLength } from './encoding/affine-codec.ts';
export type { AffineSize } from './encoding/affine-codec.ts';
export { affineEncoding, affineFromCodes } from './encoding/affine.ts';
export { codeRange, isValidBits, packBits, packMaskedCodes, packMaskedCodesInto, packedByteLength, unpackBits } from './encoding/bit-pack.ts';
export { byteLength, encodingParamCount, encodingShape } from './encoding/byte-length.ts';
export { codebookByteLength } from './encoding/codebook-codec.ts';
export { bitsForCount, codebookEncoding, codebookFromIndices } from './encoding/codebook.ts';
export { decode, decodeKernelOutput, decodeToFloat32 } from './encoding/decode.ts';
export { denseByteLength } from './encoding/dense-codec.ts';
export { castDense, denseEncoding } from './encoding/dense.ts';
export { ENCODING_KINDS } from './encoding/encoding-codecs.ts';
export { MAX_ENTROPY_STREAMS } from './encoding/entropy-codec.ts';
export { entropyInner } from './encoding/entropy-inner.ts';
export { huffmanEncoding, huffmanWhereSmaller, huffmanWhereSmallerByteLength } from './encoding/entropy.ts';
export type { HuffmanOptions } from './encoding/entropy.ts';
export { normalizeGranularity, scalesShape } from './encoding/granularity.ts';
export { MAX_HUFFMAN_CODE_LENGTH } from './encoding/huffman-code.ts';
export { lowRankEncoding } from './encoding/low-rank.ts';
export type {
  AffineMetadata,
  BufferReference,
  CodebookMetadata,
  DenseMetadata,
  EncodingBuffer,
  EncodingMetadata,
  EncodingParts,
  EntropyMetadata,
  HuffmanStreamMetadata,
  LowRankMetadata,
  SparseLayoutMetadata,
  SparseMetadata,
} from './encoding/metadata.ts';
export { assembleEncoding, encodingParts } from './encoding/serialize.ts';
export { sparseFromDense } from './encoding/sparse-from-dense.ts';
export type { SparseLayoutRequest } from './encoding/sparse-from-dense.ts';
export { MAX_NM_M } from './encoding/sparse-layout.ts';
export { symbolStreams } from './encoding/symbol-streams.ts';
export type { SymbolStream } from './encoding/symbol-streams.ts';
export { sparseEncoding } from './encoding/sparse.ts';
export { instantiateSimdModule, processWideKernel } from './encoding/simd/simd-instance.ts';
export { webAssemblySimdSupported } from './encoding/simd/simd-support.ts';
export type {
  AffineEncoding,
  CodebookEncoding,
  DenseEncoding,
  Encoding,
  EncodingKind,
  EntropyEncoding,
  Granularity,
  HuffmanStream,
  LowRankEncoding,
  SparseEncoding,
  SparseLayout,
} from './encoding/types.ts';
export { validateEncoding } from './encoding/validate.ts';
export {
  WHITTLE_ERROR_CODES,
  WhittleError,
  escapeControlCharacters,
  isWhittleError,
  locateError,
} from './errors.ts';
export type { ErrorLocation, WhittleErrorCode } from './errors.ts';
export { blobSource, bytesSource, memorySink } from './formats/byte-source.ts';
export type { ByteSink, ByteSource } from './formats/byte-source.ts';
export { decompress } from './formats/tfjs/decompress.ts';
export type { DecompressOptions, StockDType } from './formats/tfjs/decompress.ts';
export { bitsPerWeight } from './metrics/bits-per-weight.ts';
export { compareModels } from './metrics/compare-models.ts';
export type { ModelComparison, ParamComparison, UnmatchedParam } from './metrics/compare-models.ts';
export { compareTensors, cosineSimilarity, maxAbsError, meanSquaredError, sqnr } from './metrics/tensor-metrics.ts';
export type { MetricInput, TensorComparison } from './metrics/tensor-metrics.ts';
export { MODEL_FORMATS, createModel } from './model/create-model.ts';
export type { ModelInit, ParamInit } from './model/create-model.ts';
export { describeEncoding } from './model/describe-encoding.ts';
export { globToRegExp } from './model/glob.ts';
export { inferRole, inferRoles } from './model/infer-role.ts';
export { rolesFromKerasTopology } from './model/keras-roles.ts';
export { listParams } from './model/list-params.ts';
export type { ParamRow } from './model/list-params.ts';
export { modelFromTensors } from './model/model-from-tensors.ts';
export type { ModelFromTensorsOptions } from './model/model-from-tensors.ts';
export { countParams, getParam, modelByteLength } from './model/model-queries.ts';
export { compileFilter, matchesFilter, selectParams } from './model/param-filter.ts';
export type { ParamPredicate } from './model/param-filter.ts';
export { PARAM_ROLES, WEIGHT_ROLES, isParamRole, roleAxes } from './model/param-roles.ts';
export type { RoleAxes } from './model/param-roles.ts';
export { replaceParams } from './model/replace-params.ts';
export type { Model, ModelFormat, Param, ParamRole } from './model/types.ts';
export { layerFlops } from './profile/layer-flops.ts';
export type { LayerFlops } from './profile/layer-flops.ts';
export { profile } from './profile/profile.ts';
export type { LayerProfile, ModelProfile, ProfileOptions, ProfileShares, ProfileTotals } from './profile/types.ts';
export {
  CALIBRATION_RESOURCE,
  calibrationField,
  calibrationNeed,
  isModelInputs,
  loadCalibrationRunner,
  mappedLayerInputs,
  requireCalibration,
} from './recipe/calibration-resource.ts';
export type { CalibrationResource, CalibrationRunner, LayerInputsMap } from './recipe/calibration-resource.ts';
export { loadRunner } from './recipe/load-runner.ts';
export { TRAINING_NEED, TRAINING_RESOURCE, checkTrainingData, classificationLoss, inTrainingResource, requireTraining } from './recipe/training-resource.ts';
export type { TrainingData, TrainingLoss } from './recipe/training-resource.ts';
export { DEFAULT_LEARNING_RATES, OPTIMIZER_NAMES, optimizerByName, setLearningRate } from './training/optimizer-by-name.ts';
export type { OptimizerName } from './training/optimizer-by-name.ts';
export { splitBatches } from './training/split-batches.ts';
export type { RunnerEntry } from './recipe/load-runner.ts';
export { batchMatrix, calibrationBatches } from './recipe/calibration-source.ts';
export type { CalibrationBatch, CalibrationSource } from './recipe/calibration-source.ts';
export { CAST_DTYPES, cast, castHandler } from './recipe/cast.ts';
export type { CastDType, CastStep } from './recipe/cast.ts';
export { huffman, huffmanHandler } from './recipe/huffman-step.ts';
export type { HuffmanStep } from './recipe/huffman-step.ts';
export { checkResources, compress } from './recipe/compress.ts';
export type { CompressOptions } from './recipe/compress.ts';
export { defaultRegistry, registerRecipeHandler } from './recipe/default-registry.ts';
export { estimate } from './recipe/estimate.ts';
export type { EstimateOptions } from './recipe/estimate.ts';
export {
  FILTER_FIELDS,
  copyFilter,
  readBoolean,
  readEnum,
  readFilter,
  readInteger,
  readNumber,
  readString,
  rejectUnknownFields,
} from './recipe/field-readers.ts';
export type { StepFields } from './recipe/field-readers.ts';
export { estimateParams, mapParams } from './recipe/map-params.ts';
export type { ParamEncoder, ParamSizer } from './recipe/map-params.ts';
export { isPerParamRecipe } from './recipe/per-param.ts';
export { createRecipeRegistry } from './recipe/registry.ts';
export type { RecipeRegistry } from './recipe/registry.ts';
export { checkRecipeSelection, checkStepSelection } from './recipe/step-selection.ts';
export { HANDLER_EFFECTS } from './recipe/types.ts';
export type {
  CompressProgress,
  CompressResult,
  HandlerEffect,
  ModelSize,
  ParamFilter,
  Recipe,
  RecipeHandler,
  RecipeStep,
  ResourceNeed,
  StepContext,
  StepLocation,
  StepReport,
} from './recipe/types.ts';
export { parseRecipe, validateRecipe } from './recipe/validate-recipe.ts';
export {
  CANDIDATE_METHODS,
  MAX_CANDIDATE_LIST,
  MAX_OUTPUT_ERROR,
  SEARCH_BITS,
  SEARCH_GROUP_BITS,
  SEARCH_GROUP_SIZE,
  SEARCH_LOSSES,
  SEARCH_METRICS,
  SEARCH_RANK_FRACTIONS,
  SEARCH_SPARSITIES,
  SEARCH_STRUCTURED_SPARSITIES,
  SEARCH_TARGET_FIELDS,
  SEARCH_TECHNIQUES,
  analyzeSensitivity,
  candidateSettings,
  canonicalJson,
  chooseSettings,
  exactInclude,
  measureModel,
  memorySensitivityCache,
  modelHash,
  paretoFlags,
  readCandidateSpace,
  readSearchTarget,
  readSensitivityRecord,
  recipeFromChoices,
  search,
  searchSettings,
  structuredSetting,
} from './search/index.ts';
export type {
  CandidateMethod,
  Choice,
  ChoiceGroup,
  ChoiceOption,
  ChooseSettingsOptions,
  LayerChoice,
  LayerSensitivity,
  MemorySensitivityCache,
  ModelMeasurement,
  ParetoPoint,
  ReferenceRun,
  SearchCandidate,
  SearchCandidateSpace,
  SearchData,
  SearchFigures,
  SearchLoss,
  SearchMetric,
  SearchOptions,
  SearchProgress,
  SearchResult,
  SearchSetting,
  SearchTarget,
  SearchTargetField,
  SearchTechnique,
  Sensitivity,
  SensitivityCache,
  SensitivityEntry,
  SensitivityOptions,
  SensitivityProgress,
  SensitivityRecord,
} from './search/index.ts';
export { DTYPES, bytesPerElement, isDType, isFloatDType } from './tensor/dtype.ts';
export type { DType, HostTypedArray, TypedArrayByDType } from './tensor/dtype.ts';
export {
  bfloat16ArrayToFloat32,
  bfloat16BitsToFloat32,
  float16ArrayToFloat32,
  float16BitsToFloat32,
  float32ArrayToBfloat16,
  float32ArrayToFloat16,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from './tensor/half.ts';
export { hostTensor, tensorSize, toFloat32, validateHostTensor } from './tensor/host-tensor.ts';
export type { HostTensor } from './tensor/host-tensor.ts';
export {
  MAX_ELEMENTS,
  MAX_ENTRIES_WITHOUT_DATA,
  MAX_EXTENT,
  MAX_RANK,
  checkEntriesBound,
  checkShapeLimits,
} from './tensor/shape-limits.ts';
export { describeValue, shapeSize, shapesEqual } from './tensor/shape.ts';
export { fromTensor, fromTensorSync, toTensor } from './tensor/tfjs-tensor.ts';
