/**
 * A caller's candidate space for a search, as plain data: magnitude sparsities and structured
 * fractions crossed with quantization widths and methods, so one layer's setting can be a
 * sequence (prune to 90 %, then k-means the values left to 4 bits, in the smallest sparse layout), plus fixed
 * steps appended to every recipe (an entropy-coding step, say).
 */
import { WhittleError } from '../errors.ts';
import type { Param } from '../model/types.ts';
import type { RecipeRegistry } from '../recipe/registry.ts';
import type { RecipeStep } from '../recipe/types.ts';
import { describeValue } from '../tensor/shape.ts';
import { SEARCH_GROUP_SIZE, structuredSetting, type SearchSetting } from './search-settings.ts';

/** How the values of a layer are quantized in a candidate: the type is derived from this list. */
export const CANDIDATE_METHODS = ['affine', 'affine-group', 'kmeans', 'float16'] as const;

/**
 * `affine`: symmetric integers with a scale per output channel (`quantize.affine`, one scale per
 * tensor for the 1-D values of a sparse param); `affine-group`: the same per group of 32;
 * `kmeans`: 2^bits shared values per tensor (`quantize.kmeans`, Deep Compression's weight
 * sharing); `float16`: half floats (bits ignored).
 */
export type CandidateMethod = (typeof CANDIDATE_METHODS)[number];

/** The most values any list of a candidate space may hold: the space is their product. */
export const MAX_CANDIDATE_LIST = 32;

/** A candidate space (the `candidates` option of `search` and `analyzeSensitivity`). */
export interface SearchCandidateSpace {
  /** Fractions of a layer's weights zeroed by magnitude (`prune.magnitude`), each in (0, 1). */
  readonly sparsities?: readonly number[];
  /** Fractions of a layer's units or filters removed (`prune.structured`), each in (0, 1). */
  readonly structured?: readonly number[];
  /** Quantization widths, whole numbers 1–8 (`affine` takes 2–8; 1 is tried by `kmeans` only). */
  readonly bits?: readonly number[];
  /** How values are quantized at each width; default `['affine']`. */
  readonly methods?: readonly CandidateMethod[];
  /**
   * Also try each pruning and each quantization on its own, besides every pair of them; default
   * true. With false, only pairs are tried where both lists are given.
   */
  readonly alone?: boolean;
  /**
   * Steps appended to every recipe the search makes, after the per-layer ones, with the filters
   * they carry (none: the whole model). Every candidate is measured with them, so their sizes
   * (through their handlers) count toward the budget.
   */
  readonly then?: readonly RecipeStep[];
}

/**
 * `value` checked as a {@link SearchCandidateSpace}; an `invalid-argument` WhittleError naming the
 * field (`candidates.bits[2]`) when it is not one, or when it names no setting at all.
 *
 * @example
 * ```ts
 * readCandidateSpace({ sparsities: [0.9], bits: [4], methods: ['kmeans'] }); // the same space
 * ```
 */
export function readCandidateSpace(value: unknown): SearchCandidateSpace {
  const fail = (message: string, field: string): never => {
    throw new WhittleError('invalid-argument', message, { field: `candidates${field}` });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('the candidates must be an object', '');
  const space = value as Record<string, unknown>;
  for (const key of Object.keys(space)) {
    if (!['sparsities', 'structured', 'bits', 'methods', 'alone', 'then'].includes(key)) fail(`unknown field ${describeValue(key.slice(0, 40))}`, '');
  }
  const list = (name: string): readonly unknown[] | undefined => {
    const items = space[name];
    if (items === undefined) return undefined;
    if (!Array.isArray(items)) return fail(`${name} must be an array`, `.${name}`);
    if (items.length > MAX_CANDIDATE_LIST) fail(`${name} may hold at most ${MAX_CANDIDATE_LIST} values`, `.${name}`);
    return items;
  };
  const fractions = (name: string): number[] | undefined =>
    list(name)?.map((item, index) => (typeof item === 'number' && item > 0 && item < 1 ? item : fail(`${name} must be fractions between 0 and 1, got ${describeValue(item)}`, `.${name}[${index}]`)));
  const sparsities = fractions('sparsities');
  const structured = fractions('structured');
  const bits = list('bits')?.map((item, index) => (Number.isInteger(item) && (item as number) >= 1 && (item as number) <= 8 ? (item as number) : fail(`bits must be whole numbers from 1 to 8, got ${describeValue(item)}`, `.bits[${index}]`)));
  const methods = list('methods')?.map((item, index) =>
    (CANDIDATE_METHODS as readonly unknown[]).includes(item) ? (item as CandidateMethod) : fail(`methods must be among ${CANDIDATE_METHODS.join(', ')}, got ${describeValue(item)}`, `.methods[${index}]`),
  );
  if (space.alone !== undefined && typeof space.alone !== 'boolean') fail('alone must be true or false', '.alone');
  const then = list('then')?.map((item, index) => (typeof item === 'object' && item !== null && !Array.isArray(item) && typeof (item as { kind?: unknown }).kind === 'string' ? (item as RecipeStep) : fail('then must hold recipe steps, objects with a kind', `.then[${index}]`)));
  const result: SearchCandidateSpace = {
    ...(sparsities === undefined ? {} : { sparsities }),
    ...(structured === undefined ? {} : { structured }),
    ...(bits === undefined ? {} : { bits }),
    ...(methods === undefined ? {} : { methods }),
    ...(space.alone === undefined ? {} : { alone: space.alone as boolean }),
    ...(then === undefined ? {} : { then }),
  };
  if (prunings(result).length === 0 && quantizations(result).length === 0) fail('give at least one of sparsities, structured and bits (or methods with float16)', '');
  return result;
}

/**
 * The settings `param` may take in `space` under `registry`: every pruning (magnitude sparsities
 * stored in whichever sparse layout the pruning handler finds smallest for values of the
 * quantization's width: `storage.layout` `auto`; structured fractions) followed by every quantization
 * (each method at each width), and, unless `alone` is false, each of them on its own. A setting
 * is offered only where every kind it uses is registered and selects `param`'s role by default
 * (and, with `techniques`, where the techniques allow every kind).
 *
 * @example
 * ```ts
 * candidateSettings(getParam(model, 'dense_1/kernel'), defaultRegistry, { sparsities: [0.9], bits: [4], methods: ['kmeans'], alone: false })
 *   .map(({ label }) => label); // ['90% sparse + kmeans4']
 * ```
 */
export function candidateSettings(param: Param, registry: RecipeRegistry, space: SearchCandidateSpace, techniques?: readonly string[]): SearchSetting[] {
  const allowed = (kind: string): boolean => {
    const handler = registry.get(kind);
    if (handler === undefined) return false;
    if (handler.defaultRoles !== undefined && !handler.defaultRoles.includes(param.role)) return false;
    if (kind === 'prune.structured' && param.shape.length < 2) return false;
    return techniques === undefined || techniques.some((technique) => technique === kind || technique === kind.split('.')[0]);
  };
  const pruneOptions = prunings(space).filter((pruning) => allowed(pruning.kind));
  const quantizeOptions = quantizations(space).filter((quantization) => allowed(quantization.step.kind));
  const alone = space.alone !== false;
  const settings: SearchSetting[] = [];
  if (alone) for (const pruning of pruneOptions) settings.push(pruning.setting(undefined));
  for (const pruning of pruneOptions) for (const quantization of quantizeOptions) settings.push(pruning.setting(quantization));
  if (alone) for (const quantization of quantizeOptions) settings.push({ label: quantization.label, steps: [quantization.step] });
  return settings;
}

interface Quantization {
  readonly label: string;
  readonly step: RecipeStep;
  /** Bits each stored value takes, for sizing a sparse layout. */
  readonly valueBits: number;
}

interface Pruning {
  readonly kind: string;
  readonly setting: (then: Quantization | undefined) => SearchSetting;
}

function prunings(space: SearchCandidateSpace): Pruning[] {
  const result: Pruning[] = [];
  for (const sparsity of unique(space.sparsities ?? [])) {
    const label = `${Math.round(sparsity * 1000) / 10}% sparse`;
    result.push({
      kind: 'prune.magnitude',
      setting: (then) =>
        then === undefined
          ? { label, steps: [{ kind: 'prune.magnitude', sparsity }] }
          : { label: `${label} + ${then.label}`, steps: [{ kind: 'prune.magnitude', sparsity, storage: { layout: 'auto', valueBits: then.valueBits } }, then.step] },
    });
  }
  for (const sparsity of unique(space.structured ?? [])) {
    const structured = structuredSetting(sparsity);
    result.push({
      kind: 'prune.structured',
      setting: (then) => (then === undefined ? structured : { label: `${structured.label} + ${then.label}`, steps: [...structured.steps, then.step] }),
    });
  }
  return result;
}

function quantizations(space: SearchCandidateSpace): Quantization[] {
  const methods = unique(space.methods ?? ['affine']);
  const bits = unique(space.bits ?? []);
  const result: Quantization[] = [];
  for (const method of methods) {
    if (method === 'float16') {
      result.push({ label: 'float16', step: { kind: 'quantize.float16' }, valueBits: 16 });
      continue;
    }
    for (const width of bits) {
      if (method === 'kmeans') result.push({ label: `kmeans${width}`, step: { kind: 'quantize.kmeans', bits: width }, valueBits: width });
      else if (width >= 2 && method === 'affine') {
        result.push({ label: `int${width}`, step: { kind: 'quantize.affine', bits: width, symmetric: true, granularity: { kind: 'axis' } }, valueBits: width });
      } else if (width >= 2) {
        result.push({
          label: `int${width} group ${SEARCH_GROUP_SIZE}`,
          step: { kind: 'quantize.affine', bits: width, symmetric: true, granularity: { kind: 'group', size: SEARCH_GROUP_SIZE } },
          valueBits: width,
        });
      }
    }
  }
  return result;
}

function unique<Item>(items: readonly Item[]): Item[] {
  return [...new Set(items)];
}
