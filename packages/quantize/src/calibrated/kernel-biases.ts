/**
 * Which float bias each kernel's layer adds right after its product: a Keras layer's own `bias`,
 * a fused GraphDef op's bias (`_FusedConv2D` with `fused_ops` starting `BiasAdd`), or the bias of
 * the one `BiasAdd` that alone reads the kernel node's output. A shift of the kernel's outputs can
 * be cancelled there exactly, before any activation.
 */
import { consumers, graphNode, type GraphNode, type ModelGraph } from '@whittle/core/graph';

const FUSED_OPS: ReadonlySet<string> = new Set(['_FusedConv2D', '_FusedMatMul', 'FusedDepthwiseConv2dNative']);

/**
 * The bias param added to each kernel's outputs, by kernel param name, for the kernels of
 * `kernels` where one is found with one value per output channel (`channels(kernel)`) and no
 * other kernel shares it; the others have none.
 *
 * @example
 * ```ts
 * kernelBiases(graph, ['conv1/kernel'], (name) => model.params.get(name)?.shape, () => 16).get('conv1/kernel'); // 'conv1/bias'
 * ```
 */
export function kernelBiases(
  graph: ModelGraph,
  kernels: readonly string[],
  shapeOf: (param: string) => readonly number[] | undefined,
  channels: (kernel: string) => number,
): Map<string, string> {
  const wanted = new Set(kernels);
  const found = new Map<string, string>();
  const readers = new Map<string, number>();
  for (const node of graph.nodes) {
    if (isConstant(node)) continue;
    for (const binding of node.params) readers.set(binding.param, (readers.get(binding.param) ?? 0) + 1);
  }
  for (const node of graph.nodes) {
    if (isConstant(node)) continue;
    const kernel = node.params.find((binding) => wanted.has(binding.param) && binding.slot !== 'bias');
    if (kernel === undefined) continue;
    const bias = ownBias(node) ?? followingBias(graph, node);
    if (bias === undefined || readers.get(bias) !== 1) continue;
    const shape = shapeOf(bias);
    if (shape === undefined || shape.length !== 1 || shape[0] !== channels(kernel.param)) continue;
    found.set(kernel.param, bias);
  }
  return found;
}

/** A GraphDef Const node holding a param: the param's store, not one of its readers. */
export function isConstant(node: GraphNode): boolean {
  return node.op === 'Const';
}

function ownBias(node: GraphNode): string | undefined {
  const bias = node.params.find((binding) => binding.slot === 'bias');
  if (bias === undefined) return undefined;
  // A fused op adds its first argument as a bias only when its first fused op is BiasAdd.
  if (FUSED_OPS.has(node.op) && listOf(node.attributes.fused_ops)?.[0] !== 'BiasAdd') return undefined;
  return bias.param;
}

function followingBias(graph: ModelGraph, node: GraphNode): string | undefined {
  const edges = consumers(graph, node.name).filter((edge) => edge.control !== true);
  if (edges.length !== 1 || edges[0]!.input !== 0) return undefined;
  const next = graphNode(graph, edges[0]!.to);
  if (next.op !== 'BiasAdd') return undefined;
  return next.params.find((binding) => binding.slot === 'bias')?.param;
}

/** A GraphDef list attribute (`{ list: { s: [base64…] } }`) as text, undefined where absent. */
function listOf(value: unknown): string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const texts = (value as { list?: { s?: unknown } }).list?.s;
  if (!Array.isArray(texts)) return undefined;
  return texts.map((text) => {
    try {
      return typeof text === 'string' ? atob(text) : '';
    } catch {
      return '';
    }
  });
}
