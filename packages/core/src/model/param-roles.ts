import { WhittleError } from '../errors.ts';
import type { ParamRole } from './types.ts';

/** Every {@link ParamRole}, in a stable order: the list the type is derived from. */
export const PARAM_ROLES = [
  'dense-kernel',
  'linear-weight',
  'conv2d-kernel',
  'conv2d-transpose-kernel',
  'depthwise-kernel',
  'pointwise-kernel',
  'embedding',
  'bias',
  'norm-gamma',
  'norm-beta',
  'norm-mean',
  'norm-variance',
  'other',
] as const;

/**
 * The roles a technique touches when a filter names no `roles`: kernels, linear weights and
 * embeddings. Biases and normalization parameters are tiny and sensitive, so they are never
 * compressed unless a filter asks for them.
 */
export const WEIGHT_ROLES: readonly ParamRole[] = [
  'dense-kernel',
  'linear-weight',
  'conv2d-kernel',
  'conv2d-transpose-kernel',
  'depthwise-kernel',
  'pointwise-kernel',
  'embedding',
];

const ROLE_SET: ReadonlySet<string> = new Set(PARAM_ROLES);

/**
 * True when `value` names a {@link ParamRole}.
 *
 * @example
 * ```ts
 * isParamRole('dense-kernel'); // true
 * isParamRole('kernel'); // false
 * ```
 */
export function isParamRole(value: unknown): value is ParamRole {
  return typeof value === 'string' && ROLE_SET.has(value);
}

/** Which axis of a param holds its output channels and which its input features. */
export interface RoleAxes {
  readonly outputAxis: number | undefined;
  readonly inputAxis: number | undefined;
}

/**
 * The output and input axes of a param of `role` and `rank`, so per-channel quantization and
 * structural pruning know which axis is which. Kernels count axes from the end, so Conv1D
 * `[k, in, out]` and Conv3D kernels read like Conv2D ones. Roles without such axes (or a rank
 * too small for the role) give `undefined`.
 *
 * - `dense-kernel` `[in, out]`: output 1, input 0
 * - `linear-weight` `[out, in]`: output 0, input 1
 * - `conv2d-kernel` `[kh, kw, in, out]`: output 3, input 2
 * - `conv2d-transpose-kernel` `[kh, kw, out, in]`: output 2, input 3
 * - `depthwise-kernel` `[kh, kw, in, multiplier]`: output 2 (one filter per input channel)
 * - `pointwise-kernel` `[1, 1, in, out]`: output 3, input 2
 * - `embedding` `[rows, dimension]`: output 0 (one row per token)
 * - `bias` and `norm-*` `[channels]`: output 0
 *
 * @example
 * ```ts
 * roleAxes('conv2d-kernel', 4); // { outputAxis: 3, inputAxis: 2 }
 * roleAxes('other', 2); // { outputAxis: undefined, inputAxis: undefined }
 * ```
 */
export function roleAxes(role: ParamRole, rank: number): RoleAxes {
  if (!Number.isSafeInteger(rank) || rank < 0) {
    throw new WhittleError('invalid-argument', `rank must be a non-negative integer, got ${String(rank)}`, {
      field: 'rank',
    });
  }
  const none: RoleAxes = { outputAxis: undefined, inputAxis: undefined };
  switch (role) {
    case 'dense-kernel':
    case 'conv2d-kernel':
    case 'pointwise-kernel':
      return rank >= 2 ? { outputAxis: rank - 1, inputAxis: rank - 2 } : none;
    case 'conv2d-transpose-kernel':
      return rank >= 2 ? { outputAxis: rank - 2, inputAxis: rank - 1 } : none;
    case 'linear-weight':
      return rank >= 2 ? { outputAxis: 0, inputAxis: 1 } : none;
    case 'depthwise-kernel':
      return rank >= 2 ? { outputAxis: rank - 2, inputAxis: undefined } : none;
    case 'embedding':
      return rank >= 1 ? { outputAxis: 0, inputAxis: undefined } : none;
    case 'bias':
    case 'norm-gamma':
    case 'norm-beta':
    case 'norm-mean':
    case 'norm-variance':
      return rank === 1 ? { outputAxis: 0, inputAxis: undefined } : none;
    default:
      // 'other', and any unknown string that reached here from untyped code.
      return none;
  }
}
