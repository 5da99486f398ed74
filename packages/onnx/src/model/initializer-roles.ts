import type { ParamRole } from '@whittle/core';
import type { GraphProto, NodeProto } from '../proto/onnx_pb.ts';

/** The norm ops whose inputs 1 and 2 are a scale and a shift over channels. */
const NORM_OPS: ReadonlySet<string> = new Set([
  'LayerNormalization',
  'InstanceNormalization',
  'GroupNormalization',
  'SimplifiedLayerNormalization',
  'SkipLayerNormalization',
  'SkipSimplifiedLayerNormalization',
  'RMSNormalization',
]);

/** Ops whose output a following Add of a 1-D constant biases. */
const LINEAR_OPS: ReadonlySet<string> = new Set(['MatMul', 'Conv', 'Gemm', 'ConvTranspose']);

/**
 * The role of each initializer, read off the ops that consume it, so per-channel quantization
 * and pruning know which axis is which:
 *
 * - MatMul B `[K, N]` (input features first): `dense-kernel`; Gemm B likewise, or
 *   `linear-weight` `[N, K]` under `transB = 1`.
 * - Conv W `[M, C/group, kh, kw]` (output channels first, then input): `linear-weight`, the
 *   core role whose axes are output 0 and input 1 (core's `conv2d-kernel` puts output last).
 * - Gather data: `embedding`.
 * - Gemm C, Conv B, and a 1-D constant added to a MatMul's, Conv's or Gemm's output: `bias`.
 * - Norm scale and shift: `norm-gamma`, `norm-beta`; BatchNormalization's mean and variance:
 *   `norm-mean`, `norm-variance`.
 *
 * An initializer consumed in two ways that disagree, or by any other op, is `other`.
 *
 * @example
 * ```ts
 * initializerRoles(proto.graph!).get('fc1.weight'); // 'dense-kernel'
 * ```
 */
export function initializerRoles(graph: GraphProto): Map<string, ParamRole> {
  const initializers = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]));
  const producers = new Map<string, NodeProto>();
  for (const node of graph.node) for (const output of node.output) producers.set(output, node);
  const roles = new Map<string, ParamRole>();
  const assign = (name: string, role: ParamRole): void => {
    if (!initializers.has(name)) return;
    const previous = roles.get(name);
    roles.set(name, previous === undefined || previous === role ? role : 'other');
  };
  for (const node of graph.node) {
    node.input.forEach((input, index) => {
      if (input === '' || !initializers.has(input)) return;
      const rank = initializers.get(input)!.dims.length;
      assign(input, roleOf(node, index, rank, producers));
    });
  }
  return roles;
}

function roleOf(node: NodeProto, index: number, rank: number, producers: ReadonlyMap<string, NodeProto>): ParamRole {
  const op = node.domain === '' || node.domain === 'ai.onnx' || node.domain === 'com.microsoft' ? node.opType : '';
  switch (op) {
    case 'MatMul':
      return index === 1 && rank === 2 ? 'dense-kernel' : 'other';
    case 'Gemm':
      if (index === 1 && rank === 2) return integerAttribute(node, 'transB') === 1 ? 'linear-weight' : 'dense-kernel';
      return index === 2 ? 'bias' : 'other';
    case 'Conv':
      if (index === 1 && rank >= 3) return 'linear-weight';
      return index === 2 && rank === 1 ? 'bias' : 'other';
    case 'Gather':
      return index === 0 && rank === 2 ? 'embedding' : 'other';
    case 'BatchNormalization':
      return rank === 1 ? (['other', 'norm-gamma', 'norm-beta', 'norm-mean', 'norm-variance'] as const)[index] ?? 'other' : 'other';
    case 'Add': {
      if (rank !== 1) return 'other';
      const other = producers.get(node.input[1 - index] ?? '');
      return other !== undefined && LINEAR_OPS.has(other.opType) ? 'bias' : 'other';
    }
    default:
      if (NORM_OPS.has(op) && rank === 1) {
        // SkipLayerNormalization: input, skip, gamma, beta; the rest: input, scale, bias.
        const first = op.startsWith('Skip') ? 2 : 1;
        if (index === first) return 'norm-gamma';
        if (index === first + 1) return 'norm-beta';
      }
      return 'other';
  }
}

function integerAttribute(node: NodeProto, name: string): number | undefined {
  const attribute = node.attribute.find((candidate) => candidate.name === name);
  return attribute === undefined ? undefined : Number(attribute.i);
}
