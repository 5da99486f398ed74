/**
 * `quantize.kmeans`: k-means weight sharing (Deep Compression), one codebook per tensor.
 */
import {
  WEIGHT_ROLES,
  FILTER_FIELDS,
  copyFilter,
  estimateParams,
  mapParams,
  readFilter,
  readEnum,
  readInteger,
  rejectUnknownFields,
  type ParamFilter,
  type RecipeHandler,
  type RecipeStep,
} from '@whittle/core';
import { KMEANS_INITS, kmeansByteLength, kmeansQuantize, type KmeansInit } from '../primitives/kmeans-quantize.ts';
import { createAffineScratch, type AffineScratch } from '../primitives/quantize-affine-destination.ts';
import { encodeFloatParam, floatParamByteLength } from './float-param.ts';

/** A `quantize.kmeans` step. */
export interface KmeansStep extends RecipeStep, ParamFilter {
  readonly kind: 'quantize.kmeans';
  /** Index width 1–8: 2^bits shared values per tensor. */
  readonly bits: number;
  /** Most Lloyd iterations (default 50). */
  readonly iterations?: number;
  /** Seed for reseeding empty clusters (default 0). */
  readonly seed?: number;
  /** Starting centroids: `'optimal'` (default, least squared error) or `'linear'` (Deep Compression's). */
  readonly init?: KmeansInit;
}

/** Options of {@link kmeans}. */
export interface KmeansStepOptions extends ParamFilter {
  readonly bits: number;
  readonly iterations?: number;
  readonly seed?: number;
  readonly init?: KmeansInit;
}

/** One scratch per validated step, shared by every param it encodes (see the affine step's). */
const scratches = new WeakMap<KmeansStep, AffineScratch>();

function stepScratch(config: KmeansStep): AffineScratch {
  let scratch = scratches.get(config);
  if (scratch === undefined) {
    scratch = createAffineScratch();
    scratches.set(config, scratch);
  }
  return scratch;
}

/** Most iterations a step may ask for (each is cheap, but a typo of 1e9 should not hang). */
const MAX_ITERATIONS = 10_000;

/**
 * A `quantize.kmeans` step: plain JSON data.
 *
 * @example
 * ```ts
 * const { model: shared } = await compress(model, [kmeans({ bits: 4, seed: 7 })]);
 * ```
 */
export function kmeans(options: KmeansStepOptions): KmeansStep {
  const { bits, iterations, seed, init } = options;
  return {
    kind: 'quantize.kmeans',
    bits,
    ...(iterations === undefined ? {} : { iterations }),
    ...(seed === undefined ? {} : { seed }),
    ...(init === undefined ? {} : { init }),
    ...copyFilter(options),
  };
}

/** The handler for `quantize.kmeans` steps. */
export const kmeansHandler: RecipeHandler<KmeansStep> = {
  kind: 'quantize.kmeans',
  description: 'k-means weight sharing: 2^bits float32 centroids per tensor and packed indices',
  example: { kind: 'quantize.kmeans', bits: 4 },
  effect: 're-encodes-params',
  defaultRoles: WEIGHT_ROLES,
  perParam: true,
  validate(step, context) {
    rejectUnknownFields(step, ['bits', 'iterations', 'seed', 'init', ...FILTER_FIELDS], context);
    return {
      kind: 'quantize.kmeans',
      bits: readInteger(step, 'bits', { min: 1, max: 8 }, context),
      iterations: readInteger(step, 'iterations', { min: 0, max: MAX_ITERATIONS, default: 50 }, context),
      seed: readInteger(step, 'seed', { min: 0, max: 2 ** 32 - 1, default: 0 }, context),
      init: readEnum<KmeansInit>(step, 'init', KMEANS_INITS, { default: 'optimal' }, context),
      ...readFilter(step, context),
    };
  },
  encodeParam(param, config) {
    const { bits, iterations, seed, init } = config;
    const options = {
      bits,
      ...(iterations === undefined ? {} : { iterations }),
      ...(seed === undefined ? {} : { seed }),
      ...(init === undefined ? {} : { init }),
    };
    return encodeFloatParam(param, (tensor) => kmeansQuantize(tensor, options, { scratch: stepScratch(config) }));
  },
  estimate: (model, config, context) =>
    estimateParams(model, config, WEIGHT_ROLES, context, (param) => floatParamByteLength(param, (tensor) => kmeansByteLength(tensor.shape, config.bits))),
  apply(model, config, context) {
    return mapParams(model, config, WEIGHT_ROLES, context, (param) => kmeansHandler.encodeParam!(param, config, context));
  },
};
