/**
 * A recipe made ready to run one param at a time: validated once, resources checked once, each
 * step's filter compiled once. A checkpoint driver (`compressSafetensorsFile`) then checks every
 * step's selection against the whole header once and runs each selected step's `encodeParam` on
 * each param directly, instead of a whole `compress()` (validation, filter compilation, reports)
 * per param.
 */
import type { Encoding } from '../encoding/types.ts';
import { byteLength, encodingParamCount } from '../encoding/byte-length.ts';
import { WhittleError } from '../errors.ts';
import { createModel } from '../model/create-model.ts';
import { compileNameFilter } from '../model/param-filter.ts';
import type { Param, ParamRole } from '../model/types.ts';
import { checkResources } from './compress.ts';
import { defaultRegistry } from './default-registry.ts';
import { encodeLocated, type ParamEncoder } from './map-params.ts';
import type { RecipeRegistry } from './registry.ts';
import { checkStepSelection, stepFilter, type FilterTarget } from './step-selection.ts';
import type { RecipeHandler, RecipeStep, StepContext } from './types.ts';
import { validateRecipe } from './validate-recipe.ts';

/** One step of a {@link PreparedRecipe}. */
export interface PreparedStep {
  /** The step's number, counting from 1. */
  readonly step: number;
  /** The validated config. */
  readonly config: RecipeStep;
  readonly handler: RecipeHandler;
  /** Whether the step may run on one param at a time. */
  readonly streams: boolean;
  /** The step's compiled filter: true for a param the step re-encodes. */
  readonly selects: (name: string, role: ParamRole) => boolean;
  /** What the step noted while it ran on params so far (see `StepContext.note`), in order. */
  readonly notes: string[];
}

/** A recipe validated, its resources checked and its filters compiled: see {@link prepareRecipe}. */
export interface PreparedRecipe {
  readonly steps: readonly PreparedStep[];
  readonly resources: Readonly<Record<string, unknown>>;
  /** True when every step streams: the checkpoint can go through one param at a time. */
  readonly streams: boolean;
  /** The kinds of the steps that need the whole model (empty when {@link streams}). */
  readonly wholeModelKinds: readonly string[];
}

/** Options of {@link prepareRecipe}. */
export interface PrepareRecipeOptions {
  readonly registry?: RecipeRegistry;
  /** As `compress`'s `resources`: checked here, before any param is read. */
  readonly resources?: Readonly<Record<string, unknown>>;
}

/**
 * Validates `recipe` (as `compress` does), checks the resources its steps need, and compiles each
 * step's filter, once. Throws what `validateRecipe` and `checkResources` throw.
 *
 * @example
 * ```ts
 * const prepared = prepareRecipe([{ kind: 'cast', dtype: 'float16' }]);
 * prepared.streams; // true
 * ```
 */
export function prepareRecipe(recipe: unknown, options: PrepareRecipeOptions = {}): PreparedRecipe {
  const { registry = defaultRegistry, resources = {} } = options;
  const configs = validateRecipe(recipe, registry);
  checkResources(configs, registry, resources);
  const steps = configs.map((config, index): PreparedStep => {
    const handler = registry.get(config.kind)!;
    const streams = handler.perParam === true && (handler.streamsConfig?.(config) ?? true);
    const filter = stepFilter(config);
    const byName = compileNameFilter(filter);
    const roles: ReadonlySet<ParamRole> = new Set(filter.roles ?? handler.defaultRoles ?? []);
    // A handler without default roles picks its own params: every param is offered to it.
    const selects =
      handler.defaultRoles === undefined ? () => true : (name: string, role: ParamRole) => roles.has(role) && byName(name);
    return { step: index + 1, config, handler, streams, selects, notes: [] };
  });
  const wholeModelKinds = [...new Set(steps.filter((step) => !step.streams).map((step) => step.config.kind))];
  return { steps, resources, streams: wholeModelKinds.length === 0, wholeModelKinds };
}

/** A model's params seen one at a time by index (a checkpoint's header, in columns). */
export interface SelectionTargets {
  readonly count: number;
  nameAt(index: number): string;
  roleAt(index: number): ParamRole;
}

/**
 * Checks, once for the whole model, that each step's filter selects something, as `compress`
 * does step by step (see `checkStepSelection`): for a recipe of streaming steps, which neither
 * rename, add, drop nor re-role params, that is the same check. One pass over the names per
 * step, with no object per param; only when a step fails are the params listed, so that the
 * error is `checkStepSelection`'s own.
 *
 * @example
 * ```ts
 * checkPreparedSelection(prepared, { count: names.length, nameAt: (i) => names[i], roleAt: () => 'dense-kernel' });
 * ```
 */
export function checkPreparedSelection(prepared: PreparedRecipe, targets: SelectionTargets): void {
  for (const step of prepared.steps) {
    const { defaultRoles } = step.handler;
    if (defaultRoles === undefined) continue;
    if (!selectsAndMatches(step, targets)) {
      const list: FilterTarget[] = [];
      for (let index = 0; index < targets.count; index++) list.push({ name: targets.nameAt(index), role: targets.roleAt(index) });
      checkStepSelection(list, stepFilter(step.config), defaultRoles, step.step);
    }
  }
}

/** True when every glob of the step matches some name and some param passes the whole filter. */
function selectsAndMatches(step: PreparedStep, targets: SelectionTargets): boolean {
  const filter = stepFilter(step.config);
  const globs = [...(filter.include ?? []), ...(filter.exclude ?? [])].map((glob) => compileNameFilter({ include: [glob] }));
  const matched = new Array<boolean>(globs.length).fill(false);
  let unmatched = globs.length;
  let selected = false;
  for (let index = 0; index < targets.count && (unmatched > 0 || !selected); index++) {
    const name = targets.nameAt(index);
    for (let glob = 0; glob < globs.length; glob++) {
      if (!matched[glob] && globs[glob]!(name)) {
        matched[glob] = true;
        unmatched--;
      }
    }
    if (!selected && step.selects(name, targets.roleAt(index))) selected = true;
  }
  return unmatched === 0 && selected;
}

/** A param's size at one point of the recipe. */
export interface ParamSize {
  readonly params: number;
  readonly bytes: number;
}

/** What running a prepared recipe on one param came to. */
export interface PreparedParamResult {
  readonly param: Param;
  /** Its size before step 1, then after each step: `steps.length + 1` entries. */
  readonly sizes: readonly ParamSize[];
  /** Seconds each step took on it. */
  readonly seconds: readonly number[];
}

/** Options of {@link encodePreparedParam}. */
export interface EncodePreparedOptions {
  readonly signal?: AbortSignal;
}

/**
 * Runs each step of a streaming recipe on one param, in order: a step whose filter selects the
 * param re-encodes it with its handler's `encodeParam` (or, for a per-param handler without one,
 * its `apply` on a model of that param alone). Errors name the param and the step, as they do in
 * `compress`. Throws `invalid-argument` for a recipe that does not stream.
 *
 * @example
 * ```ts
 * const { param: half } = await encodePreparedParam(prepareRecipe([{ kind: 'cast', dtype: 'float16' }]), param);
 * ```
 */
export async function encodePreparedParam(
  prepared: PreparedRecipe,
  param: Param,
  options: EncodePreparedOptions = {},
): Promise<PreparedParamResult> {
  const tally = new PreparedTally(prepared.steps.length);
  const encoded = await preparedParamEncoder(prepared, tally, options)(param);
  const sizes: ParamSize[] = [];
  for (let index = 0; index <= prepared.steps.length; index++) sizes.push({ params: tally.params[index]!, bytes: tally.bytes[index]! });
  return { param: encoded, sizes, seconds: [...tally.seconds] };
}

/**
 * The figures of a prepared recipe summed over the params it ran on: `params[s]` and `bytes[s]`
 * before step `s + 1` (the last entry: after the last step), `seconds[s]` spent in step `s + 1`.
 */
export class PreparedTally {
  readonly params: Float64Array;
  readonly bytes: Float64Array;
  readonly seconds: Float64Array;

  constructor(stepCount: number) {
    this.params = new Float64Array(stepCount + 1);
    this.bytes = new Float64Array(stepCount + 1);
    this.seconds = new Float64Array(stepCount);
  }

  /** Adds another tally's figures to this one's. */
  add(other: PreparedTally): void {
    for (let index = 0; index < this.params.length; index++) {
      this.params[index]! += other.params[index]!;
      this.bytes[index]! += other.bytes[index]!;
    }
    for (let index = 0; index < this.seconds.length; index++) this.seconds[index]! += other.seconds[index]!;
  }
}

/**
 * {@link encodePreparedParam} made once for a run over many params: each step's context is made
 * here, not per param, and each param's figures are added to `tally` rather than returned in
 * arrays of its own. The result is the param itself, not a promise, when every step that
 * selects it has an `encodeParam` (which is synchronous): a checkpoint of a million tiny params
 * then makes no promise, closure or figures object per param. Throws `invalid-argument` for a
 * recipe that does not stream.
 *
 * @example
 * ```ts
 * const tally = new PreparedTally(prepared.steps.length);
 * const encode = preparedParamEncoder(prepared, tally);
 * const half = encode(param); // a Param, or a promise of one
 * ```
 */
export function preparedParamEncoder(
  prepared: PreparedRecipe,
  tally: PreparedTally,
  options: EncodePreparedOptions = {},
): (param: Param) => Param | Promise<Param> {
  if (!prepared.streams) {
    throw new WhittleError('invalid-argument', `the recipe needs the whole model (${prepared.wholeModelKinds.join(', ')})`, { field: 'recipe' });
  }
  const { signal } = options;
  const { steps, resources } = prepared;
  const contexts = steps.map((step): StepContext => ({
    step: step.step,
    resources,
    note: (message: string) => {
      step.notes.push(String(message));
    },
    ...(signal === undefined ? {} : { signal }),
  }));
  // Each step's encoder, made once: a closure per param and step would be a million of them.
  const encoders = steps.map((step, index): ParamEncoder | undefined => {
    const { handler, config } = step;
    const context = contexts[index]!;
    return handler.encodeParam !== undefined && handler.defaultRoles !== undefined
      ? (target) => handler.encodeParam!(target, config, context)
      : undefined;
  });
  const { params, bytes, seconds } = tally;

  const record = (index: number, value: Encoding): void => {
    params[index]! += encodingParamCount(value);
    bytes[index]! += byteLength(value);
  };

  // Steps from `from` on, after a step that had to run asynchronously.
  const finish = async (from: number, pending: Promise<Param>, started: number): Promise<Param> => {
    let current = await pending;
    seconds[from]! += (performance.now() - started) / 1000;
    record(from + 1, current.value);
    for (let index = from + 1; index < steps.length; index++) {
      signal?.throwIfAborted();
      const began = performance.now();
      const next = runStep(steps[index]!, encoders[index], current, contexts[index]!);
      current = next instanceof Promise ? await next : next;
      seconds[index]! += (performance.now() - began) / 1000;
      record(index + 1, current.value);
    }
    return current;
  };

  return (param: Param): Param | Promise<Param> => {
    record(0, param.value);
    let current = param;
    for (let index = 0; index < steps.length; index++) {
      signal?.throwIfAborted();
      const started = performance.now();
      const next = runStep(steps[index]!, encoders[index], current, contexts[index]!);
      if (next instanceof Promise) return finish(index, next, started);
      current = next;
      seconds[index]! += (performance.now() - started) / 1000;
      record(index + 1, current.value);
    }
    return current;
  };
}

/** One step on one param: the param itself when the step does not select it. */
function runStep(step: PreparedStep, encoder: ParamEncoder | undefined, param: Param, context: StepContext): Param | Promise<Param> {
  if (!step.selects(param.name, param.role)) return param;
  if (encoder === undefined) return applyToParam(step, param, context);
  const encoded = encodeLocated(param, step.step, encoder);
  return encoded === undefined ? param : { ...param, value: encoded };
}

/** A per-param handler without encodeParam: its own apply, on a model of this param alone. */
async function applyToParam(step: PreparedStep, param: Param, context: StepContext): Promise<Param> {
  const { handler, config } = step;
  const model = await handler.apply(createModel({ format: 'safetensors', topology: null, params: [param] }), config, context);
  const [only, ...rest] = model?.params instanceof Map ? model.params.values() : [];
  if (only === undefined || rest.length > 0 || only.name !== param.name) {
    throw new WhittleError('invalid-model', `the ${config.kind} handler, marked perParam, did not return the one param it was given`, {
      step: step.step,
      field: `params[${JSON.stringify(param.name)}]`,
    });
  }
  return only;
}
