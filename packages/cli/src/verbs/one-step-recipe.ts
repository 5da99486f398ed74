/**
 * The recipe step a one-step verb's flags stand for, checked by the step's own reader, with
 * every error restated in terms of the flag the user typed.
 */
import { isWhittleError, validateRecipe, WhittleError, type RecipeStep } from '@whittle/core';
import { EVERY_METHOD, FILTER_FLAGS, type VerbDefinition, type VerbFlag, type VerbMethod } from './verb-definition.ts';

/** What each given flag holds, as commander parsed it: text, a switch's boolean, or a repeated flag's list. */
export type GivenFlags = ReadonlyMap<VerbFlag, string | boolean | readonly string[]>;

/**
 * The step field `flag` sets under `method`, or `undefined` when the method does not take it.
 *
 * @example
 * ```ts
 * fieldOf(groupSizeFlag, 'gptq'); // 'groupSize'
 * ```
 */
export function fieldOf(flag: VerbFlag, method: string): string | undefined {
  return flag.fields[method] ?? flag.fields[EVERY_METHOD];
}

/**
 * The method called `name` of `verb`; its first method when `name` is absent.
 *
 * @example
 * ```ts
 * methodOf(QUANTIZE_VERB, undefined).kind; // 'quantize.affine'
 * ```
 */
export function methodOf(verb: VerbDefinition, name: string | undefined): VerbMethod {
  const method = name === undefined ? verb.methods[0] : verb.methods.find((candidate) => candidate.name === name);
  if (method === undefined) {
    const known = verb.methods.map((candidate) => candidate.name).join(', ');
    throw new WhittleError('invalid-argument', `unknown method ${JSON.stringify(name)}; methods: ${known}`, { field: '--method' });
  }
  return method;
}

/**
 * The step `given` flags make for `method`, in flag order after `kind` (the defaults left to
 * the step's reader). A flag the method does not take is an
 * `invalid-argument` error naming the flag and the methods that take it. Nothing is checked
 * here beyond that: see {@link checkOneStep}.
 *
 * @example
 * ```ts
 * buildStep(QUANTIZE_VERB, methodOf(QUANTIZE_VERB, 'affine'), new Map([[bitsFlag, '4']]));
 * // { kind: 'quantize.affine', bits: 4 }
 * ```
 */
export function buildStep(verb: VerbDefinition, method: VerbMethod, given: GivenFlags): RecipeStep {
  const step: Record<string, unknown> = { kind: method.kind };
  for (const [flag, raw] of given) {
    const field = fieldOf(flag, method.name);
    if (field === undefined) throw notTaken(flag, verb, method.name);
    setField(step, field, flagValue(flag, raw));
  }
  return method.complete === undefined ? (step as RecipeStep) : method.complete(step as RecipeStep);
}

/**
 * A preset's one step with the filter flags of `given` added (`--exclude`); any other flag is an
 * `invalid-argument` error, since a preset fixes every setting.
 *
 * @example
 * ```ts
 * presetStep({ kind: 'quantize.kmeans', bits: 4 }, 'kmeans4', new Map([[excludeFlag, ['head/**']]]));
 * // { kind: 'quantize.kmeans', bits: 4, exclude: ['head/**'] }
 * ```
 */
export function presetStep(preset: RecipeStep, name: string, given: GivenFlags): RecipeStep {
  const step = structuredClone(preset) as Record<string, unknown>;
  for (const [flag, raw] of given) {
    const field = flag.fields[EVERY_METHOD];
    if (field === undefined) {
      throw new WhittleError('invalid-argument', `does not apply to --preset ${name}, which sets every field; use --method and its flags instead`, { field: flag.name });
    }
    setField(step, field, flagValue(flag, raw));
  }
  return step as RecipeStep;
}

/**
 * `step` checked by its kind's reader in core's default registry; an error names the flag that
 * set the field at fault (`--bits: bits must be 1–8 or 16, got 12`).
 *
 * @example
 * ```ts
 * checkOneStep(QUANTIZE_VERB, 'affine', { kind: 'quantize.affine', bits: 12 }); // throws "--bits: …"
 * ```
 */
export function checkOneStep(verb: VerbDefinition, method: string, step: RecipeStep): void {
  try {
    validateRecipe([step]);
  } catch (error) {
    throw withFlagNames(error, verb, method);
  }
}

/**
 * A recipe error of the verb's one step restated with the flag that set the field at fault (a
 * field no flag sets keeps its name); the recipe's location (`--recipe`, `step 1`) is dropped,
 * since the user wrote no recipe. Any other error comes back unchanged.
 *
 * @example
 * ```ts
 * throw withFlagNames(error, QUANTIZE_VERB, 'affine'); // "--group-size: granularity.size must be …"
 * ```
 */
export function withFlagNames(error: unknown, verb: VerbDefinition, method: string): unknown {
  if (!isWhittleError(error) || error.step === undefined) return error;
  const flag = error.field === undefined ? undefined : flagForField(verb, method, error.field);
  const field = flag?.name ?? error.field;
  return new WhittleError(error.code, error.detail, field === undefined ? {} : { field }, { cause: error });
}

/**
 * The flag that sets `field` (or the object or list it lies in) under `method`: `granularity.size`
 * → `--group-size`, `include[2]` → `--include`, `storage` → `--storage`.
 *
 * @example
 * ```ts
 * flagForField(QUANTIZE_VERB, 'affine', 'granularity.size')?.name; // '--group-size'
 * ```
 */
export function flagForField(verb: VerbDefinition, method: string, field: string): VerbFlag | undefined {
  const taken = [...verb.flags, ...FILTER_FLAGS].filter((flag) => fieldOf(flag, method) !== undefined);
  for (let path = field; path !== ''; path = parentPath(path)) {
    const exact = taken.find((flag) => fieldOf(flag, method) === path);
    if (exact !== undefined) return exact;
  }
  // A whole object at fault (`granularity`) is named by the first flag that sets a field in it.
  return taken.find((flag) => fieldOf(flag, method)!.startsWith(`${field}.`));
}

/** `a.b[3]` → `a.b` → `a` → ''. */
function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

// A plain decimal or exponent number; anything else stays text, for the reader to refuse by name.
const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function flagValue(flag: VerbFlag, raw: string | boolean | readonly string[]): unknown {
  if (flag.value === 'list') return typeof raw === 'string' ? [raw] : raw;
  if (flag.value === 'number' && typeof raw === 'string' && NUMBER_TEXT.test(raw.trim())) return Number(raw);
  if (flag.value === 'json' && typeof raw === 'string') {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

function setField(step: Record<string, unknown>, field: string, value: unknown): void {
  const names = field.split('.');
  let target = step;
  for (const name of names.slice(0, -1)) {
    const next = target[name];
    if (typeof next !== 'object' || next === null) target[name] = {};
    target = target[name] as Record<string, unknown>;
  }
  target[names.at(-1)!] = value;
}

function notTaken(flag: VerbFlag, verb: VerbDefinition, method: string): WhittleError {
  const takers = verb.methods.filter(({ name }) => fieldOf(flag, name) !== undefined).map(({ name }) => name);
  const hint = takers.length === 0 ? '' : `; it applies to --method ${takers.join(', ')}`;
  return new WhittleError('invalid-argument', `does not apply to --method ${method}${hint}`, { field: flag.name });
}
