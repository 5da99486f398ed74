import type { Encoding } from '../encoding/types.ts';
import type { Model, Param, ParamRole } from '../model/types.ts';

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
  /** The step's number in the recipe, counting from 1 (as error messages and reports show it). */
  readonly step: number;
  /** Aborts long-running steps. */
  readonly signal?: AbortSignal;
  /**
   * Reports progress through the step: call it after each selected param is done, with the
   * param's name, how many are done and how many the step selected. Optional both ways: a handler
   * may leave it uncalled, and `compress` sets it only when its caller asked for progress.
   */
  readonly onParam?: (param: string, done: number, total: number) => void;
  /**
   * What the caller passed as `compress`'s `resources` (calibration data, training data, a
   * teacher, an evaluation function, by name). `compress` checked before step 1 that every
   * resource the step's handler {@link RecipeHandler.needs | needs} is here.
   */
  readonly resources: Readonly<Record<string, unknown>>;
  /**
   * Records something the user should know about the step's result that is not an error: params
   * or groups it left alone and why, a target it could only approach. `compress` collects the
   * notes in the step's {@link StepReport.notes}, in order.
   */
  readonly note?: (message: string) => void;
}

/** Where the step sits in its recipe, for error messages (a handler's `StepContext` will do). */
export type StepLocation = Pick<StepContext, 'step'>;

/**
 * What a step does to a model: re-encodes params (same names and shapes, smaller storage),
 * reshapes params (same layers, fewer units or channels), or rewrites the topology (layers added,
 * removed or replaced). Callers use it to decide what a step's result needs (a graph, a loader).
 */
export const HANDLER_EFFECTS = ['re-encodes-params', 'reshapes-params', 'rewrites-topology'] as const;

/** One of {@link HANDLER_EFFECTS}. */
export type HandlerEffect = (typeof HANDLER_EFFECTS)[number];

/** The size of a model: its parameter count and the bytes its params store. */
export interface ModelSize {
  /** Elements of every param's logical tensor, zeros of sparse params included (`countParams`). */
  readonly params: number;
  /** Bytes of every param's component buffers (`modelByteLength`). */
  readonly bytes: number;
}

/**
 * A resource a step needs that is not JSON and so cannot ride in the recipe: passed to
 * `compress` by name in `resources`.
 */
export interface ResourceNeed {
  /** The name the resource is passed under (`calibration`, `training`, `teacher`, `evaluate`…). */
  readonly name: string;
  /** What it is and how to give it, for the error when it is missing (one short phrase). */
  readonly description: string;
  /** Throws a WhittleError when the value passed is not this kind of resource. */
  readonly check?: (value: unknown) => void;
}

/**
 * A technique's handler for one recipe kind. `validate` turns untrusted JSON into a typed config
 * or throws a WhittleError naming the field; `apply` returns a new Model and never mutates its input.
 */
export interface RecipeHandler<Config extends RecipeStep = RecipeStep> {
  readonly kind: string;
  /** One line saying what the step does, for listings such as `whittle compress --help`. */
  readonly description: string;
  /** A typical step of this kind, as plain JSON data that `validate` accepts, for listings. */
  readonly example?: Config;
  /**
   * The roles the step's {@link ParamFilter} (its `include`, `exclude` and `roles` fields) selects
   * when it names no `roles`. Set it when the step selects params that way: `compress` then
   * rejects a step whose filter selects nothing (see `checkStepSelection`) instead of silently
   * changing nothing.
   */
  readonly defaultRoles?: readonly ParamRole[];
  /**
   * True when `apply` encodes each selected param on its own, reading nothing else in the model
   * and never adding or dropping params: a recipe of only such steps can stream a checkpoint one
   * param at a time. Leave it unset for steps that look across params (calibration, global
   * ranking, structural surgery).
   */
  readonly perParam?: boolean;
  /**
   * For {@link perParam} handlers whose settings decide it: whether a step with this config can
   * run one param at a time. A step whose settings need the whole model (a codebook shared across
   * tensors, a budget over the whole file) answers false, and a checkpoint is then read whole.
   * Absent: every config of a `perParam` handler streams.
   */
  streamsConfig?(config: Config): boolean;
  /**
   * For {@link perParam} handlers: true when the step's result for a tensor is not its results
   * for blocks of the tensor's rows laid end to end, even where each block's encoding would
   * concatenate (a factorization may leave a thin block whole yet factorize the whole tensor). A
   * checkpoint driver then never offers a tensor to the recipe in blocks of rows.
   */
  readonly wholeTensors?: boolean;
  /** What the step does to a model (see {@link HandlerEffect}). */
  readonly effect: HandlerEffect;
  /**
   * Resources the step needs (see {@link ResourceNeed}): `compress` checks them all before step
   * 1 and names the first one missing. It gets the validated config, for steps whose needs
   * depend on their settings.
   */
  needs?(config: Config): readonly ResourceNeed[];
  /**
   * True when a step with this config computes on tfjs (its ops need a backend set up with
   * `useBackend`): a driver such as the `whittle` command then starts one before step 1. Absent:
   * the step computes on the host alone (resources that need tfjs start it themselves).
   */
  runsOnTfjs?(config: Config): boolean;
  /**
   * For {@link perParam} handlers: the new encoding of one selected param, or `undefined` to
   * leave it as it is. `apply` is then `mapParams` over the step's selection, and a checkpoint
   * can be streamed one param (or one block of rows) at a time by calling this directly.
   */
  encodeParam?(param: Param, config: Config, context: StepContext): Encoding | undefined;
  /**
   * The params and exact storage bytes `model` would have after this step, from shapes and the
   * config alone, without running it (a budget search sizes thousands of candidates this way).
   * Handlers without it cannot be estimated; `estimate` says so naming the kind.
   */
  estimate?(model: Model, config: Config, context: StepLocation): ModelSize;
  validate(step: RecipeStep, context: StepLocation): Config;
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
  /** What the step noted about its result (see {@link StepContext.note}); empty when nothing. */
  readonly notes: readonly string[];
}

/** Where `compress` is: reported after each param a step has finished (see `StepContext.onParam`). */
export interface CompressProgress {
  /** The step's number, counting from 1. */
  readonly step: number;
  /** How many steps the recipe has. */
  readonly steps: number;
  readonly kind: string;
  /** The param just finished. */
  readonly param: string;
  /** Params of this step finished so far, and how many it selected. */
  readonly done: number;
  readonly total: number;
}

/** The result of `compress`. */
export interface CompressResult {
  readonly model: Model;
  readonly steps: readonly StepReport[];
}
