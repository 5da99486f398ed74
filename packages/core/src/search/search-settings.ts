/**
 * The settings a search tries on each layer: recipe steps of the kinds registered in a registry
 * (quantization bits and granularity, sparsity, rank), each narrowed to one param by `include`.
 * Core names the kinds as data and never imports a technique package.
 */
import { globToRegExp } from '../model/glob.ts';
import type { Model, Param } from '../model/types.ts';
import type { RecipeRegistry } from '../recipe/registry.ts';
import type { RecipeStep } from '../recipe/types.ts';

/** The technique families a search may use, by the prefix of their recipe kinds. */
export const SEARCH_TECHNIQUES = ['quantize', 'prune', 'lowrank'] as const;

/** One of {@link SEARCH_TECHNIQUES}. */
export type SearchTechnique = (typeof SEARCH_TECHNIQUES)[number];

/**
 * One setting a layer may take: one or more recipe steps without a filter, run on the layer in
 * order (prune, then quantize the values that remain), and a short label for tables.
 */
export interface SearchSetting {
  /** `int4 group 32`, `int8`, `float16`, `50% sparse`, `rank 16`, `90% sparse + kmeans4`. */
  readonly label: string;
  /** Plain JSON data of registered kinds, at least one; the search adds `include` naming the param to each. */
  readonly steps: readonly RecipeStep[];
}

/** Quantization widths tried on every weight, widest first. */
export const SEARCH_BITS = [8, 7, 6, 5, 4, 3, 2] as const;

/** Widths also tried per group (ggml's layout), where a per-channel scale loses too much. */
export const SEARCH_GROUP_BITS = [4, 3, 2] as const;

/** The group size of grouped settings. */
export const SEARCH_GROUP_SIZE = 32;

/** Sparsities tried where `prune.magnitude` is registered. */
export const SEARCH_SPARSITIES = [0.5, 0.75, 0.9] as const;

/** Fractions of a layer's units or filters removed where `prune.structured` is registered. */
export const SEARCH_STRUCTURED_SPARSITIES = [0.25, 0.5, 0.75] as const;

/** Ranks tried where `lowrank.svd` is registered, as fractions of a matrix's smaller side. */
export const SEARCH_RANK_FRACTIONS = [1 / 2, 1 / 4, 1 / 8] as const;

/**
 * The settings `param` may take under `registry`, limited to `techniques` (families such as
 * `quantize`, or exact kinds such as `quantize.affine`; every family when absent): affine
 * quantization at 2–8 bits per channel and 2–4 bits per group of 32, float16, magnitude pruning
 * to 50, 75 and 90 %, structured pruning of a quarter, half and three quarters of the units or
 * filters a kernel produces (where the kernel alone produces them), and truncated SVD to ½, ¼ and ⅛ of the smaller side, each only where its
 * kind is registered and `param`'s role is one its handler selects by default.
 *
 * @example
 * ```ts
 * searchSettings(getParam(model, 'dense_1/kernel'), defaultRegistry, ['quantize']).map(({ label }) => label);
 * // ['int8', 'int7', …, 'int2', 'int4 group 32', …, 'float16']
 * ```
 */
export function searchSettings(param: Param, registry: RecipeRegistry, techniques?: readonly string[]): SearchSetting[] {
  const allowed = (kind: string): boolean => {
    const handler = registry.get(kind);
    if (handler === undefined) return false;
    if (handler.defaultRoles !== undefined && !handler.defaultRoles.includes(param.role)) return false;
    return techniques === undefined || techniques.some((technique) => technique === kind || technique === kind.split('.')[0]);
  };
  const settings: SearchSetting[] = [];
  if (allowed('quantize.affine')) {
    for (const bits of SEARCH_BITS) {
      settings.push({ label: `int${bits}`, steps: [{ kind: 'quantize.affine', bits, symmetric: true, granularity: { kind: 'axis' } }] });
    }
    for (const bits of SEARCH_GROUP_BITS) {
      settings.push({
        label: `int${bits} group ${SEARCH_GROUP_SIZE}`,
        steps: [{ kind: 'quantize.affine', bits, symmetric: true, granularity: { kind: 'group', size: SEARCH_GROUP_SIZE } }],
      });
    }
  }
  if (allowed('quantize.float16')) settings.push({ label: 'float16', steps: [{ kind: 'quantize.float16' }] });
  if (allowed('prune.magnitude')) {
    for (const sparsity of SEARCH_SPARSITIES) {
      settings.push({ label: `${Math.round(sparsity * 100)}% sparse`, steps: [{ kind: 'prune.magnitude', sparsity }] });
    }
  }
  if (allowed('prune.structured') && param.shape.length >= 2) {
    for (const sparsity of SEARCH_STRUCTURED_SPARSITIES) settings.push(structuredSetting(sparsity));
  }
  if (allowed('lowrank.svd') && param.shape.length >= 2) {
    const columns = param.shape.at(-1)!;
    const rows = param.shape.slice(0, -1).reduce((product, size) => product * size, 1);
    const ranks = new Set(SEARCH_RANK_FRACTIONS.map((fraction) => Math.max(1, Math.floor(Math.min(rows, columns) * fraction))));
    for (const rank of ranks) {
      // Only ranks that cut parameters: the handler leaves any other matrix whole.
      if (rank * (rows + columns) < rows * columns) settings.push({ label: `rank ${rank}`, steps: [{ kind: 'lowrank.svd', rank }] });
    }
  }
  return settings;
}

/**
 * The setting that removes `sparsity` of the units or filters a layer's kernel produces
 * (`prune.structured` on that kernel alone: a group another param also produces is left whole).
 *
 * @example
 * ```ts
 * structuredSetting(0.25).label; // '75% units kept'
 * ```
 */
export function structuredSetting(sparsity: number): SearchSetting {
  return { label: `${Math.round((1 - sparsity) * 100)}% units kept`, steps: [{ kind: 'prune.structured', sparsity }] };
}

/**
 * A glob that selects exactly `name` among `model`'s params, or `undefined` when none can (a
 * name holding characters globs reserve, such as `[`). `*` and `?` in a name become `?`, which
 * matches them; the result is checked against every param name.
 *
 * @example
 * ```ts
 * exactInclude(model, 'dense_1/kernel'); // 'dense_1/kernel'
 * ```
 */
export function exactInclude(model: Model, name: string): string | undefined {
  if (/[[\]{}()!\\]/u.test(name)) return undefined;
  const glob = name.replace(/[*?]/gu, '?');
  let pattern: RegExp;
  try {
    pattern = globToRegExp(glob);
  } catch {
    return undefined;
  }
  for (const other of model.params.keys()) if (pattern.test(other) !== (other === name)) return undefined;
  return glob;
}
