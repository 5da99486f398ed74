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
  return inferRoleOfRank(name, shape.length);
}

/**
 * {@link inferRole} from the shape's rank alone, all its rules need: a caller visiting a million
 * params of a header's columns makes no shape array for each. Internal.
 *
 * @example
 * ```ts
 * inferRoleOfRank('model.layers.0.mlp.up_proj.weight', 2); // 'linear-weight'
 * ```
 */
export function inferRoleOfRank(name: string, rank: number): ParamRole {
  const stripped = stripDeviceSuffix(name);
  const cut = Math.max(stripped.lastIndexOf('.'), stripped.lastIndexOf('/'));
  const last = stripped.slice(cut + 1).toLowerCase();
  const rule = LAST_SEGMENT_RULES.get(last);
  if (rule !== undefined) return rule(rank, stripped, cut);
  if (last.endsWith('_bias')) return rank === 1 ? 'bias' : 'other';
  return 'other';
}

/**
 * The rules, compiled into one lookup by the lower-cased last segment, each given the rank, the
 * name without its `:0` and where its last segment starts: the module segments are looked at
 * only by the few rules that need them, so a checkpoint of a million names splits almost none.
 */
type LastSegmentRule = (rank: number, stripped: string, cut: number) => ParamRole;

const normOr =
  (role: ParamRole, otherwise: (rank: number, stripped: string, cut: number) => ParamRole): LastSegmentRule =>
  (rank, stripped, cut) =>
    rank === 1 && moduleSegments(stripped, cut).some(isNormName) ? role : otherwise(rank, stripped, cut);

const biasRule: LastSegmentRule = (rank) => (rank === 1 ? 'bias' : 'other');
const rankRule =
  (role: ParamRole, accepts: (rank: number) => boolean): LastSegmentRule =>
  (rank) =>
    accepts(rank) ? role : 'other';

const weightRule: LastSegmentRule = (rank, stripped, cut) => {
  if (rank !== 2) return 'other';
  const modules = moduleSegments(stripped, cut);
  // The last segment (`weight`, `in_proj_weight`) names no embedding: only the modules can.
  if (modules.some(isEmbeddingName)) return 'embedding';
  if (modules.some((segment) => GPT2_CONV1D.has(segment))) return 'dense-kernel';
  return 'linear-weight';
};

const LAST_SEGMENT_RULES: ReadonlyMap<string, LastSegmentRule> = new Map<string, LastSegmentRule>([
  ['running_mean', rankRule('norm-mean', (rank) => rank === 1)],
  ['moving_mean', rankRule('norm-mean', (rank) => rank === 1)],
  ['running_var', rankRule('norm-variance', (rank) => rank === 1)],
  ['moving_variance', rankRule('norm-variance', (rank) => rank === 1)],
  ['weight', normOr('norm-gamma', weightRule)],
  ['scale', normOr('norm-gamma', () => 'other')],
  ['gamma', normOr('norm-gamma', rankRule('norm-gamma', (rank) => rank === 1))],
  ['bias', normOr('norm-beta', biasRule)],
  ['beta', normOr('norm-beta', rankRule('norm-beta', (rank) => rank === 1))],
  ['in_proj_weight', weightRule],
  ['kernel', (rank) => (rank === 2 ? 'dense-kernel' : rank >= 3 && rank <= 5 ? 'conv2d-kernel' : 'other')],
  ['recurrent_kernel', rankRule('dense-kernel', (rank) => rank === 2)],
  ['depthwise_kernel', rankRule('depthwise-kernel', (rank) => rank >= 3)],
  ['pointwise_kernel', rankRule('pointwise-kernel', (rank) => rank >= 3)],
  ['embeddings', rankRule('embedding', (rank) => rank === 2)],
]);

/** `name` without a trailing TensorFlow `:0` (a regular expression only for names holding a colon). */
function stripDeviceSuffix(name: string): string {
  return name.includes(':') ? name.replace(/:\d+$/, '') : name;
}

/** The lower-cased segments before the last one (`cut` is where the last one's separator is). */
function moduleSegments(stripped: string, cut: number): string[] {
  return cut < 0 ? [] : stripped.slice(0, cut).toLowerCase().split(/[./]/);
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

function splitModule(name: string): { module: string; last: string } {
  const stripped = stripDeviceSuffix(name);
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
