/**
 * Ops a float16 model keeps in float32, with Casts around them: onnxruntime's float16
 * converter's default block list (ops without float16 kernels, or whose float inputs are
 * coordinates or counts that float16 would round), and ops that draw random numbers or build
 * tensors by a dtype attribute.
 */
export const FLOAT16_BLOCKED_OPS: readonly string[] = [
  'ArrayFeatureExtractor',
  'Binarizer',
  'CastMap',
  'CategoryMapper',
  'DictVectorizer',
  'FeatureVectorizer',
  'Imputer',
  'LabelEncoder',
  'LinearClassifier',
  'LinearRegressor',
  'Normalizer',
  'OneHotEncoder',
  'RandomUniformLike',
  'SVMClassifier',
  'SVMRegressor',
  'Scaler',
  'TreeEnsembleClassifier',
  'TreeEnsembleRegressor',
  'ZipMap',
  'NonMaxSuppression',
  'TopK',
  'RoiAlign',
  'Resize',
  'Range',
  'CumSum',
  'Min',
  'Max',
  'Upsample',
  'RandomNormal',
  'RandomNormalLike',
  'RandomUniform',
  'Multinomial',
  'Bernoulli',
  'EyeLike',
];
