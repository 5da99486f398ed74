import type { ParamRole } from './types.ts';

/**
 * Role inference for bare checkpoints (safetensors, PyTorch state dicts, tfjs weights without a
 * topology), from a param's name and shape alone. Names split into segments on `.` and `/`; a
 * trailing TensorFlow `:0` is ignored; matching is case-insensitive. The rules, first match wins:
 *
 * 1. `running_mean` / `moving_mean` → `norm-mean`; `running_var` / `moving_variance` → `norm-variance`.
 * 2. In a norm module (an earlier segment contains `norm`, or is `ln`, `ln_*`, `bn`, `bn1`…), a 1-D
 *    `weight` / `gamma` / `scale` → `norm-gamma` and a 1-D `bias` / `beta` → `norm-beta`.
 * 3. A 1-D `bias` (or `*_bias`, e.g. `in_proj_bias`) → `bias`.
 * 4. A 2-D `weight` (or `in_proj_weight`) → `embedding` when a segment names an embedding
 *    (contains `embed`, or is `wte` / `wpe`), `dense-kernel` for GPT-2's `Conv1D` modules
 *    (`c_attn`, `c_proj`, `c_fc`, stored `[in, out]`), else `linear-weight` `[out, in]`.
 * 5. Keras names: 2-D `kernel` / `recurrent_kernel` → `dense-kernel`, 3-D to 5-D `kernel` →
 *    `conv2d-kernel`, `depthwise_kernel`, `pointwise_kernel`, 2-D `embeddings` → `embedding`,
 *    1-D `gamma` / `beta` → `norm-gamma` / `norm-beta`.
 * 6. Anything else → `other` (PyTorch conv weights `[out, in, kh, kw]` included: no role has that
 *    layout yet, and `other` is left exact by default).
 *
 * @example
 * ```ts
 * inferRole('model.layers.0.mlp.up_proj.weight', [11008, 4096]); // 'linear-weight'
 * inferRole('transformer.wte.weight', [50257, 768]); // 'embedding'
 * inferRole('transformer.h.0.ln_1.bias', [768]); // 'norm-beta'
 * ```
 */
export function inferRole(name: string, shape: readonly number[]): ParamRole {
  const segments = splitName(name);
  const last = segments[segments.length - 1] ?? '';
  const modules = segments.slice(0, -1);
  const rank = shape.length;

  if (last === 'running_mean' || last === 'moving_mean') return rank === 1 ? 'norm-mean' : 'other';
  if (last === 'running_var' || last === 'moving_variance') return rank === 1 ? 'norm-variance' : 'other';

  if (rank === 1 && modules.some(isNormName)) {
    if (last === 'weight' || last === 'gamma' || last === 'scale') return 'norm-gamma';
    if (last === 'bias' || last === 'beta') return 'norm-beta';
  }
  if (last === 'bias' || last.endsWith('_bias')) return rank === 1 ? 'bias' : 'other';

  if (last === 'weight' || last === 'in_proj_weight') {
    if (rank !== 2) return 'other';
    if (segments.some(isEmbeddingName)) return 'embedding';
    if (modules.some((segment) => GPT2_CONV1D.has(segment))) return 'dense-kernel';
    return 'linear-weight';
  }

  switch (last) {
    case 'kernel':
      if (rank === 2) return 'dense-kernel';
      return rank >= 3 && rank <= 5 ? 'conv2d-kernel' : 'other';
    case 'recurrent_kernel':
      return rank === 2 ? 'dense-kernel' : 'other';
    case 'depthwise_kernel':
      return rank >= 3 ? 'depthwise-kernel' : 'other';
    case 'pointwise_kernel':
      return rank >= 3 ? 'pointwise-kernel' : 'other';
    case 'embeddings':
      return rank === 2 ? 'embedding' : 'other';
    case 'gamma':
      return rank === 1 ? 'norm-gamma' : 'other';
    case 'beta':
      return rank === 1 ? 'norm-beta' : 'other';
    default:
      return 'other';
  }
}

/**
 * {@link inferRole} over a whole checkpoint, adding one rule that needs sibling names: in a module
 * that holds `running_mean` (a BatchNorm whatever its name, like torchvision's `downsample.1`), a
 * 1-D `weight` is `norm-gamma` and a 1-D `bias` is `norm-beta`.
 *
 * @example
 * ```ts
 * const roles = inferRoles([
 *   ['layer1.0.downsample.1.weight', [256]],
 *   ['layer1.0.downsample.1.running_mean', [256]],
 * ]);
 * roles.get('layer1.0.downsample.1.weight'); // 'norm-gamma'
 * ```
 */
export function inferRoles(entries: Iterable<readonly [string, readonly number[]]>): Map<string, ParamRole> {
  const list = [...entries];
  const normModules = new Set<string>();
  for (const [name] of list) {
    const { module, last } = splitModule(name);
    if (last === 'running_mean' || last === 'running_var') normModules.add(module);
  }
  const roles = new Map<string, ParamRole>();
  for (const [name, shape] of list) {
    const { module, last } = splitModule(name);
    let role = inferRole(name, shape);
    if (shape.length === 1 && normModules.has(module)) {
      if (last === 'weight') role = 'norm-gamma';
      else if (last === 'bias') role = 'norm-beta';
    }
    roles.set(name, role);
  }
  return roles;
}

const GPT2_CONV1D: ReadonlySet<string> = new Set(['c_attn', 'c_proj', 'c_fc']);

function splitName(name: string): string[] {
  return name.replace(/:\d+$/, '').toLowerCase().split(/[./]/);
}

function splitModule(name: string): { module: string; last: string } {
  const stripped = name.replace(/:\d+$/, '');
  const cut = Math.max(stripped.lastIndexOf('.'), stripped.lastIndexOf('/'));
  return { module: stripped.slice(0, Math.max(cut, 0)), last: stripped.slice(cut + 1).toLowerCase() };
}

function isNormName(segment: string): boolean {
  // `norm` covers LayerNorm, batchnorm, layer_norm, rms_norm, input_layernorm, …;
  // GPT-2 and ResNet use short names (`ln_1`, `ln_f`, `bn1`).
  return segment.includes('norm') || /(^|_)(ln|bn)(_|\d|$)/.test(segment);
}

function isEmbeddingName(segment: string): boolean {
  return segment.includes('embed') || segment === 'wte' || segment === 'wpe';
}
