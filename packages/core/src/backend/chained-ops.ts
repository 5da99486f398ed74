import * as tf from '@tensorflow/tfjs-core';

type AnyFunction = (...args: unknown[]) => unknown;
type TensorMethod = (this: tf.Tensor, ...args: unknown[]) => unknown;

/**
 * Tensor methods that tfjs-core's ES module build adds to `Tensor.prototype` (its
 * `register_all_chained_ops` side effect) and whose body is the op of the same name applied to
 * the tensor: `x.flatten()` style calls inside tfjs-layers rely on them.
 */
const SAME_NAME_OPS = [
  'abs',
  'acos',
  'acosh',
  'add',
  'all',
  'any',
  'argMax',
  'argMin',
  'asin',
  'asinh',
  'atan',
  'atan2',
  'atanh',
  'avgPool',
  'batchToSpaceND',
  'batchNorm',
  'broadcastTo',
  'cast',
  'ceil',
  'clipByValue',
  'conv1d',
  'conv2d',
  'conv2dTranspose',
  'cos',
  'cosh',
  'cumprod',
  'cumsum',
  'depthToSpace',
  'depthwiseConv2d',
  'dilation2d',
  'div',
  'divNoNan',
  'dot',
  'elu',
  'equal',
  'erf',
  'euclideanNorm',
  'exp',
  'expandDims',
  'expm1',
  'floor',
  'floorDiv',
  'gather',
  'greater',
  'greaterEqual',
  'isFinite',
  'isInf',
  'isNaN',
  'leakyRelu',
  'less',
  'lessEqual',
  'localResponseNormalization',
  'log',
  'log1p',
  'logSigmoid',
  'logSoftmax',
  'logSumExp',
  'logicalAnd',
  'logicalNot',
  'logicalOr',
  'logicalXor',
  'matMul',
  'max',
  'maxPool',
  'maximum',
  'mean',
  'min',
  'minimum',
  'mirrorPad',
  'mod',
  'mul',
  'neg',
  'norm',
  'notEqual',
  'oneHot',
  'onesLike',
  'pad',
  'pool',
  'pow',
  'prelu',
  'prod',
  'reciprocal',
  'relu',
  'relu6',
  'reshape',
  'reverse',
  'round',
  'rsqrt',
  'selu',
  'separableConv2d',
  'sigmoid',
  'sign',
  'sin',
  'sinh',
  'slice',
  'softmax',
  'softplus',
  'spaceToBatchND',
  'split',
  'sqrt',
  'square',
  'squaredDifference',
  'squeeze',
  'step',
  'stridedSlice',
  'sub',
  'sum',
  'tan',
  'tanh',
  'tile',
  'topk',
  'transpose',
  'unique',
  'unsortedSegmentSum',
  'unstack',
  'zerosLike',
] as const;

/** Ops that live in a namespace of tfjs-core rather than at its top level. */
const NAMESPACED_OPS: Readonly<Record<string, () => AnyFunction>> = {
  resizeBilinear: () => tf.image.resizeBilinear as AnyFunction,
  resizeNearestNeighbor: () => tf.image.resizeNearestNeighbor as AnyFunction,
  fft: () => tf.spectral.fft as AnyFunction,
  ifft: () => tf.spectral.ifft as AnyFunction,
  rfft: () => tf.spectral.rfft as AnyFunction,
  irfft: () => tf.spectral.irfft as AnyFunction,
};

/** Methods whose body is not "the op of the same name on this tensor". */
const SPECIAL_METHODS: Readonly<Record<string, TensorMethod>> = {
  flatten() {
    return tf.reshape(this, [this.size]);
  },
  as1D() {
    return tf.reshape(this, [this.size]);
  },
  as2D(...shape) {
    return tf.reshape(this, shape as number[]);
  },
  as3D(...shape) {
    return tf.reshape(this, shape as number[]);
  },
  as4D(...shape) {
    return tf.reshape(this, shape as number[]);
  },
  as5D(...shape) {
    return tf.reshape(this, shape as number[]);
  },
  asScalar() {
    if (this.size !== 1) throw new Error('The array must have only 1 element.');
    return tf.reshape(this, []);
  },
  asType(dtype) {
    return tf.cast(this, dtype as tf.DataType);
  },
  toBool() {
    return tf.cast(this, 'bool');
  },
  toFloat() {
    return tf.cast(this, 'float32');
  },
  toInt() {
    return tf.cast(this, 'int32');
  },
  reshapeAs(other) {
    return tf.reshape(this, (other as tf.Tensor).shape);
  },
  concat(other, axis) {
    const rest = other instanceof tf.Tensor ? [other] : (other as tf.Tensor[]);
    return tf.concat([this, ...rest], axis as number | undefined);
  },
  stack(other, axis) {
    const rest = other instanceof tf.Tensor ? [other] : (other as tf.Tensor[]);
    return tf.stack([this, ...rest], axis as number | undefined);
  },
  where(condition, other) {
    return tf.where(condition as tf.Tensor, this, other as tf.Tensor);
  },
};

/**
 * Gives `tf.Tensor` the chained methods (`x.flatten()`, `x.square()`, …) where the tfjs-core
 * build in use lacks them, and returns how many it added. tfjs-core's ES module build adds them
 * as an import side effect; the bundle Node loads by `require` does not, and tfjs-layers calls
 * some of them (its Orthogonal initializer, the default recurrent initializer of LSTM and GRU,
 * calls `flatten`). Methods that exist are left alone, so this is a no-op where the ES module
 * build ran; it is safe to call more than once.
 *
 * @example
 * ```ts
 * installChainedOps();
 * tf.ones([2, 2]).flatten().shape; // [4]
 * ```
 */
export function installChainedOps(): number {
  const prototype = tf.Tensor.prototype as unknown as Record<string, unknown>;
  let added = 0;
  const define = (name: string, method: TensorMethod): void => {
    if (typeof prototype[name] === 'function') return;
    Object.defineProperty(prototype, name, {
      configurable: true,
      writable: true,
      value: function chained(this: tf.Tensor, ...args: unknown[]) {
        this.throwIfDisposed();
        return method.apply(this, args);
      },
    });
    added += 1;
  };
  const ops = tf as unknown as Record<string, unknown>;
  for (const name of SAME_NAME_OPS) {
    const op = ops[name];
    if (typeof op === 'function')
      define(name, function (this: tf.Tensor, ...args: unknown[]) {
        return (op as AnyFunction)(this, ...args);
      });
  }
  for (const [name, find] of Object.entries(NAMESPACED_OPS)) {
    const op = find();
    if (typeof op === 'function')
      define(name, function (this: tf.Tensor, ...args: unknown[]) {
        return op(this, ...args);
      });
  }
  for (const [name, method] of Object.entries(SPECIAL_METHODS)) define(name, method);
  return added;
}
