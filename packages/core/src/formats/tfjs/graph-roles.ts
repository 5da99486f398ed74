/**
 * Param roles of a GraphModel, read off the ops that consume each weight (a GraphDef names no
 * layers), falling back to names and shapes (`inferRole`).
 */
import { inferRoles } from '../../model/infer-role.ts';
import type { ParamRole } from '../../model/types.ts';

type Consumer = (input: number, rank: number, attributes: Record<string, unknown>) => ParamRole | undefined;

const kernel =
  (role: ParamRole, minRank: number): Consumer =>
  (input, rank) =>
    input === 1 && rank >= minRank ? role : undefined;
const fusedBias =
  (role: ParamRole, minRank: number): Consumer =>
  (input, rank) =>
    input === 1 && rank >= minRank ? role : input === 2 && rank === 1 ? 'bias' : undefined;
const NORM_INPUTS: readonly ParamRole[] = ['norm-gamma', 'norm-beta', 'norm-mean', 'norm-variance'];
const norm: Consumer = (input, rank) => (rank === 1 ? NORM_INPUTS[input - 1] : undefined);
const matMul =
  (fused: boolean): Consumer =>
  (input, rank, attributes) => {
    if (input === 1 && rank === 2)
      return booleanAttribute(attributes, 'transpose_b') ? 'linear-weight' : 'dense-kernel';
    return fused && input === 2 && rank === 1 ? 'bias' : undefined;
  };

const CONSUMERS: Readonly<Record<string, Consumer>> = {
  MatMul: matMul(false),
  _FusedMatMul: matMul(true),
  Conv1D: kernel('conv2d-kernel', 3),
  Conv2D: kernel('conv2d-kernel', 4),
  Conv3D: kernel('conv2d-kernel', 5),
  _FusedConv2D: fusedBias('conv2d-kernel', 4),
  Conv2DBackpropInput: kernel('conv2d-transpose-kernel', 4),
  DepthwiseConv2dNative: kernel('depthwise-kernel', 4),
  FusedDepthwiseConv2dNative: fusedBias('depthwise-kernel', 4),
  BiasAdd: (input, rank) => (input === 1 && rank === 1 ? 'bias' : undefined),
  FusedBatchNorm: norm,
  FusedBatchNormV2: norm,
  FusedBatchNormV3: norm,
  GatherV2: (input, rank) => (input === 0 && rank === 2 ? 'embedding' : undefined),
  Gather: (input, rank) => (input === 0 && rank === 2 ? 'embedding' : undefined),
  ResourceGather: (input, rank) => (input === 0 && rank === 2 ? 'embedding' : undefined),
};

/**
 * The role of every weight of a GraphModel: from the first op in `modelTopology.node` that
 * consumes it (MatMul → dense kernel, or linear weight with `transpose_b`; Conv2D → conv kernel;
 * BiasAdd and fused ops' bias → bias; FusedBatchNorm → norm parameters; Gather → embedding),
 * else from its name and shape. A malformed graph only loses the op-based roles.
 *
 * @example
 * ```ts
 * const roles = graphRoles(modelTopology, [['dense/kernel', [3, 2]]]);
 * ```
 */
export function graphRoles(
  modelTopology: unknown,
  weights: ReadonlyArray<readonly [string, readonly number[]]>
): Map<string, ParamRole> {
  const roles = inferRoles(weights);
  const ranks = new Map(weights.map(([name, shape]) => [name, shape.length]));
  const nodes = (modelTopology as { node?: unknown } | null | undefined)?.node;
  if (!Array.isArray(nodes)) return roles;
  const decided = new Set<string>();
  for (const node of nodes) {
    if (typeof node !== 'object' || node === null) continue;
    const { op, input, attr } = node as Record<string, unknown>;
    const consumer = typeof op === 'string' && Object.hasOwn(CONSUMERS, op) ? CONSUMERS[op] : undefined;
    if (consumer === undefined || !Array.isArray(input)) continue;
    const attributes = typeof attr === 'object' && attr !== null ? (attr as Record<string, unknown>) : {};
    input.forEach((reference: unknown, index) => {
      if (typeof reference !== 'string' || reference.startsWith('^')) return;
      const name = reference.replace(/:\d+$/, '');
      const rank = ranks.get(name);
      if (rank === undefined || decided.has(name)) return;
      const role = consumer(index, rank, attributes);
      if (role === undefined) return;
      roles.set(name, role);
      decided.add(name);
    });
  }
  return roles;
}

function booleanAttribute(attributes: Record<string, unknown>, key: string): boolean {
  const value = attributes[key];
  return typeof value === 'object' && value !== null && (value as { b?: unknown }).b === true;
}
