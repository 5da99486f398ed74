import type { Model, ParamRole } from '../model/types.ts';

/** One step of a recipe: plain, JSON-serialisable data with a `kind`. */
export interface RecipeStep {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** A recipe: steps run in order by `compress`. */
export type Recipe = readonly RecipeStep[];

/**
 * Which params a step touches: names matching any `include` glob (all when absent), minus names
 * matching any `exclude` glob, with a role in `roles` (a per-kind default when absent).
 * Globs: `*` matches within one `/`-separated segment, `**` across segments, `?` one character.
 */
export interface ParamFilter {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly roles?: readonly ParamRole[];
}

/** What a handler is given besides the model and its validated config. */
export interface StepContext {
  /** Index of the step in the recipe. */
  readonly step: number;
  /** Aborts long-running steps. */
  readonly signal?: AbortSignal;
}

/**
 * A technique's handler for one recipe kind. `validate` turns untrusted JSON into a typed config
 * or throws a WhittleError naming the field; `apply` returns a new Model and never mutates its input.
 */
export interface RecipeHandler<Config extends RecipeStep = RecipeStep> {
  readonly kind: string;
  readonly description: string;
  /**
   * True when `apply` encodes each selected param on its own, reading nothing else in the model
   * and never adding or dropping params: a recipe of only such steps can stream a checkpoint one
   * param at a time. Leave it unset for steps that look across params (calibration, global
   * ranking, structural surgery).
   */
  readonly perParam?: boolean;
  validate(step: RecipeStep, context: StepContext): Config;
  apply(model: Model, config: Config, context: StepContext): Model | Promise<Model>;
}

/** Per-step figures reported by `compress`. */
export interface StepReport {
  readonly kind: string;
  readonly paramsBefore: number;
  readonly paramsAfter: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly seconds: number;
}

/** The result of `compress`. */
export interface CompressResult {
  readonly model: Model;
  readonly steps: readonly StepReport[];
}
