/**
 * Quantization-aware training of a tfjs-layers model: its kernels go through {@link fakeQuant}
 * in every forward pass — `fit`, `predict`, `evaluate` — while the optimizer keeps updating the
 * float weights underneath.
 *
 * How: each supported layer reads its kernel in `call()` as `this.kernel.read()`. The layer's
 * `kernel` field is swapped for a view of the same weight whose `read()` returns the
 * fake-quantized value; the model's weight lists still hold the original, so optimizers,
 * regularizers, `getWeights` and `save` see the float variable, and gradients flow to it
 * through the straight-through estimator. Only types come from `@tensorflow/tfjs-layers`, so
 * importing this package never loads it.
 */
import type * as tf from '@tensorflow/tfjs-core';
import {
  WhittleError,
  describeValue,
  globToRegExp,
  requireGradients,
  roleAxes,
  type Granularity,
  type ParamRole,
} from '@whittle/core';
import { fakeQuant, resolveFakeQuantOptions, type FakeQuantOptions } from './fake-quant.ts';

/** A weight as tfjs-layers holds it (its `LayerVariable`). */
export interface LayerWeightLike {
  readonly originalName: string;
  readonly shape: readonly (number | null)[];
  read(): tf.Tensor;
}

/** The parts of a tfjs-layers `Layer` used here. */
export interface LayerLike {
  readonly name: string;
  getClassName(): string;
}

/** The parts of a tfjs-layers `LayersModel` used here (a real `tf.LayersModel` fits). */
export interface LayersModelLike {
  readonly layers: readonly LayerLike[];
  readonly weights: readonly LayerWeightLike[];
  toJSON(unused?: null, returnString?: boolean): unknown;
}

/** How scales are shared in each kernel: one per tensor, per output channel, or per group of inputs. */
export type KernelGranularity = 'tensor' | 'channel' | { readonly groupSize: number };

/** Options of {@link applyFakeQuant}. */
export interface FakeQuantModelOptions {
  /** Code width, 2–8. */
  readonly bits: number;
  /** Signed codes around zero (default) or unsigned codes with a zero point per scale. */
  readonly symmetric?: boolean;
  /** Drop the lowest code. Default false. */
  readonly narrowRange?: boolean;
  /**
   * Default `channel`. Groups run along the input axis; kernels without one (depthwise) fall
   * back to per-channel scales.
   */
  readonly granularity?: KernelGranularity;
  /** Weight-name globs (`dense_Dense1/kernel`, `conv*\/**`) to quantize; all supported kernels by default. */
  readonly include?: readonly string[];
  /** Weight-name globs to leave in float. */
  readonly exclude?: readonly string[];
}

/** One kernel that goes through fake quantization. */
export interface FakeQuantKernel {
  /** The weight's name in saved artifacts and in whittle models (`dense_Dense1/kernel`). */
  readonly name: string;
  readonly layer: string;
  readonly role: ParamRole;
  /** The options every forward pass quantizes it with (and the export encodes it with). */
  readonly options: FakeQuantOptions;
  readonly weight: LayerWeightLike;
}

/** A model whose kernels are fake-quantized, and what undoes it. */
export interface FakeQuantModel<Model extends LayersModelLike = LayersModelLike> {
  readonly model: Model;
  readonly kernels: readonly FakeQuantKernel[];
  /** Restores the float forward pass (idempotent); the trained weights stay. */
  remove(): void;
}

/** Layer classes whose kernels can be fake-quantized: the field their `call()` reads, and the weight. */
const KERNEL_FIELDS: Readonly<Record<string, ReadonlyArray<readonly [field: string, role: ParamRole]>>> = {
  Dense: [['kernel', 'dense-kernel']],
  Conv1D: [['kernel', 'conv2d-kernel']],
  Conv2D: [['kernel', 'conv2d-kernel']],
  Conv3D: [['kernel', 'conv2d-kernel']],
  Conv2DTranspose: [['kernel', 'conv2d-transpose-kernel']],
  Conv3DTranspose: [['kernel', 'conv2d-transpose-kernel']],
  DepthwiseConv2D: [['depthwiseKernel', 'depthwise-kernel']],
  SeparableConv2D: [
    ['depthwiseKernel', 'depthwise-kernel'],
    ['pointwiseKernel', 'pointwise-kernel'],
  ],
};

/** Marks a kernel view, so a model is never wrapped twice. */
const ORIGINAL = Symbol('whittle.fakeQuant.original');

/**
 * Makes the kernels of a built tfjs-layers model (Dense, Conv1D/2D/3D, their transposes,
 * depthwise and separable convolutions, in nested models too) go through `fakeQuant` in every
 * forward pass, in place, until `remove()`. Train as usual with `fit` or a custom loop; then
 * `exportFakeQuant` gives the quantized whittle Model. Training needs tfjs's gradients: it throws
 * a `backend-unavailable` WhittleError unless `useBackend(name, { gradients: true })` (or an
 * import of `@whittle/core/register-gradients`) registered them.
 *
 * @example
 * ```ts
 * await useBackend('wasm', { gradients: true }); // fit needs tfjs's gradients
 * const aware = applyFakeQuant(model, { bits: 4 });
 * await model.fit(xs, ys, { epochs: 3 });
 * const quantized = await exportFakeQuant(aware); // AffineEncoding kernels
 * aware.remove();
 * ```
 */
export function applyFakeQuant<Model extends LayersModelLike>(
  model: Model,
  options: FakeQuantModelOptions,
): FakeQuantModel<Model> {
  // tfjs-layers registers tfjs's gradients when it loads; a model from elsewhere may not have.
  requireGradients('applyFakeQuant');
  const include = options.include?.map(globToRegExp);
  const exclude = (options.exclude ?? []).map(globToRegExp);
  const selected = (name: string): boolean =>
    (include === undefined || include.some((pattern) => pattern.test(name))) &&
    !exclude.some((pattern) => pattern.test(name));
  // Everything is checked before anything is swapped, so a failure leaves the model as it was.
  const swaps: Array<{ layer: Record<string, unknown>; field: string; original: LayerWeightLike; view: LayerWeightLike }> = [];
  const kernels: FakeQuantKernel[] = [];
  for (const layer of flattenLayers(model.layers)) {
    for (const [field, role] of KERNEL_FIELDS[layer.getClassName()] ?? []) {
      const holder = layer as unknown as Record<string, unknown>;
      const weight = holder[field] as LayerWeightLike | null | undefined;
      if (weight === null || weight === undefined) {
        throw new WhittleError('invalid-model', `layer ${layer.name} is not built; build the model first`, {
          field: `layers.${layer.name}`,
        });
      }
      if (ORIGINAL in weight) {
        throw new WhittleError('invalid-argument', `layer ${layer.name} already goes through fakeQuant`, {
          field: `layers.${layer.name}`,
        });
      }
      if (!selected(weight.originalName)) continue;
      const kernelOptions = kernelFakeQuantOptions(options, role, weight.shape.length);
      // Bad options fail here, not at the first forward pass inside fit.
      resolveFakeQuantOptions(kernelOptions, weight.shape as number[]);
      // The view inherits every field of the LayerVariable and overrides read() only.
      const view = Object.create(weight, {
        read: { value: () => fakeQuant(weight.read(), kernelOptions) },
        [ORIGINAL]: { value: weight },
      }) as LayerWeightLike;
      swaps.push({ layer: holder, field, original: weight, view });
      kernels.push({ name: weight.originalName, layer: layer.name, role, options: kernelOptions, weight });
    }
  }
  for (const { layer, field, view } of swaps) layer[field] = view;
  let removed = false;
  return {
    model,
    kernels,
    remove() {
      if (removed) return;
      removed = true;
      for (const { layer, field, original } of swaps) layer[field] = original;
    },
  };
}

/**
 * The fakeQuant options one kernel gets: per-channel scales along its output axis, groups along
 * its input axis (see `roleAxes`).
 *
 * @example
 * ```ts
 * kernelFakeQuantOptions({ bits: 4 }, 'conv2d-kernel', 4); // granularity { kind: 'axis', axis: 3 }
 * ```
 */
export function kernelFakeQuantOptions(options: FakeQuantModelOptions, role: ParamRole, rank: number): FakeQuantOptions {
  if (typeof options !== 'object' || options === null) {
    throw new WhittleError('invalid-argument', `expected options, got ${describeValue(options)}`, { field: 'options' });
  }
  const { outputAxis, inputAxis } = roleAxes(role, rank);
  const requested = options.granularity ?? 'channel';
  const perChannel: Granularity = outputAxis === undefined ? { kind: 'tensor' } : { kind: 'axis', axis: outputAxis };
  let granularity: Granularity;
  if (requested === 'tensor') {
    granularity = { kind: 'tensor' };
  } else if (requested === 'channel') {
    granularity = perChannel;
  } else if (typeof requested === 'object' && requested !== null && Number.isSafeInteger(requested.groupSize) && requested.groupSize >= 1) {
    granularity = inputAxis === undefined ? perChannel : { kind: 'group', axis: inputAxis, size: requested.groupSize };
  } else {
    throw new WhittleError(
      'invalid-argument',
      `granularity must be 'tensor', 'channel' or { groupSize: a positive integer }, got ${describeValue(requested)}`,
      { field: 'granularity' },
    );
  }
  return {
    bits: options.bits,
    symmetric: options.symmetric ?? true,
    narrowRange: options.narrowRange ?? false,
    granularity,
  };
}

function flattenLayers(layers: readonly LayerLike[]): LayerLike[] {
  // A nested Sequential or functional model is a layer with layers of its own.
  return layers.flatMap((layer) => {
    const inner = (layer as { layers?: unknown }).layers;
    return Array.isArray(inner) ? flattenLayers(inner as LayerLike[]) : [layer];
  });
}
