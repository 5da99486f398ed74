/**
 * Which axis a recipe's granularity runs along for a given param: the role says, unless the step
 * names an axis.
 */
import { WhittleError, roleAxes, type Granularity, type ParamRole } from '@whittle/core';

/** A granularity as a recipe gives it: axes optional, read off each param's role when absent. */
export type GranularityConfig =
  | { readonly kind: 'tensor' }
  | { readonly kind: 'axis'; readonly axis?: number }
  | { readonly kind: 'group'; readonly size: number; readonly axis?: number };

// A record keyed by the union, so tsc refuses a kind missing here or one the union lacks.
const GRANULARITY_KIND_SET: Readonly<Record<GranularityConfig['kind'], true>> = { tensor: true, axis: true, group: true };

/** Every granularity kind a recipe may name. */
export const GRANULARITY_KINDS = Object.keys(GRANULARITY_KIND_SET) as ReadonlyArray<GranularityConfig['kind']>;

/**
 * The concrete granularity for a param of `role` and `shape`:
 *
 * - `axis` without an axis: the role's output axis (dense kernel `[in, out]` → 1, linear weight
 *   `[out, in]` → 0, conv kernel → the last); a role with none (`other`) uses the last axis.
 *   Rank ≤ 1 falls back to per tensor, since one scale per element would outweigh the codes.
 * - `group` without an axis: groups run along the role's input axis (dense kernel → 0, linear
 *   weight → 1, conv kernel → the input channels); a role with none (embedding, depthwise,
 *   `other`) uses the last axis longer than 1 (an embedding's rows; a depthwise kernel's
 *   channels). A scalar falls back to per tensor.
 * - An explicit axis (negative counts from the end) applies to every param; one that the param
 *   lacks is an `invalid-recipe` error naming `granularity.axis`.
 *
 * @example
 * ```ts
 * paramGranularity({ kind: 'group', size: 32 }, 'dense-kernel', [768, 3072]); // { kind: 'group', axis: 0, size: 32 }
 * paramGranularity({ kind: 'axis' }, 'linear-weight', [3072, 768]); // { kind: 'axis', axis: 0 }
 * ```
 */
export function paramGranularity(config: GranularityConfig, role: ParamRole, shape: readonly number[]): Granularity {
  const rank = shape.length;
  if (config.kind === 'tensor') return { kind: 'tensor' };
  if (config.axis !== undefined) {
    if (!Number.isInteger(config.axis) || config.axis < -rank || config.axis >= rank) {
      throw new WhittleError('invalid-recipe', `axis ${config.axis} is not an axis of this rank-${rank} param`, {
        field: 'granularity.axis',
      });
    }
    const axis = config.axis < 0 ? config.axis + rank : config.axis;
    return config.kind === 'axis' ? { kind: 'axis', axis } : { kind: 'group', axis, size: config.size };
  }
  const axes = roleAxes(role, rank);
  if (config.kind === 'axis') {
    if (rank <= 1) return { kind: 'tensor' };
    return { kind: 'axis', axis: axes.outputAxis ?? rank - 1 };
  }
  if (rank === 0) return { kind: 'tensor' };
  return { kind: 'group', axis: axes.inputAxis ?? lastLongAxis(shape), size: config.size };
}

function lastLongAxis(shape: readonly number[]): number {
  for (let axis = shape.length - 1; axis >= 0; axis--) if (shape[axis]! > 1) return axis;
  return shape.length - 1;
}
