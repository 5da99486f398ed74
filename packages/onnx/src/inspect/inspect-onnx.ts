import type { Model } from '@whittle/core';
import { byteLength } from '@whittle/core';
import type { GraphProto, TensorProto } from '../proto/onnx_pb.ts';
import { onnxTopology } from '../model/onnx-topology.ts';
import { dataTypeName, packedByteCount } from '../tensor/onnx-dtypes.ts';
import { TensorProto_DataType as DataType } from '../proto/onnx_pb.ts';

/** A MatMul whose B is a constant 2-D float initializer: what q4 (MatMulNBits) and QDQ rewrite. */
export interface QuantizableMatMul {
  /** The node's name (or `MatMul_<index>`). */
  readonly node: string;
  /** The initializer B. */
  readonly weight: string;
  /** B's `[K, N]`. */
  readonly shape: readonly [number, number];
}

/** What {@link inspectOnnx} finds. */
export interface OnnxInspection {
  /** Node count per op (`com.microsoft.MatMulNBits` outside the default domain), most frequent first. */
  readonly ops: readonly { readonly op: string; readonly count: number }[];
  /** Elements of every initializer. */
  readonly params: number;
  /** Stored bytes of initializers per ONNX type name (`FLOAT`, `FLOAT16`, `INT64`…). */
  readonly bytesByType: Readonly<Record<string, number>>;
  readonly quantizableMatMuls: readonly QuantizableMatMul[];
  /** Opset imports as `domain version` (`ai.onnx 21`). */
  readonly opsets: readonly string[];
}

/**
 * Summarises an `onnx` model: ops with counts, initializer elements and bytes by type, and the
 * MatMuls a weight quantizer can rewrite (B a constant 2-D float initializer).
 *
 * @example
 * ```ts
 * const { quantizableMatMuls } = inspectOnnx(await readOnnxFile('model.onnx'));
 * ```
 */
export function inspectOnnx(model: Model): OnnxInspection {
  const { proto } = onnxTopology(model);
  const graph = proto.graph as GraphProto;
  const counts = new Map<string, number>();
  for (const node of graph.node) {
    const op = node.domain === '' || node.domain === 'ai.onnx' ? node.opType : `${node.domain}.${node.opType}`;
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  const ops = [...counts].map(([op, count]) => ({ op, count })).sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
  const bytesByType: Record<string, number> = {};
  let params = 0;
  const initializers = new Map<string, TensorProto>();
  for (const tensor of graph.initializer) {
    initializers.set(tensor.name, tensor);
    const param = model.params.get(tensor.name);
    const count = tensor.dims.reduce((product, dimension) => product * Number(dimension), 1);
    params += count;
    const type = dataTypeName(tensor.dataType);
    const bytes = param !== undefined ? byteLength(param.value) : (packedByteCount(tensor.dataType, count) ?? tensor.rawData.byteLength);
    bytesByType[type] = (bytesByType[type] ?? 0) + bytes;
  }
  const quantizableMatMuls: QuantizableMatMul[] = [];
  graph.node.forEach((node, index) => {
    if (node.opType !== 'MatMul' || (node.domain !== '' && node.domain !== 'ai.onnx')) return;
    const weight = initializers.get(node.input[1] ?? '');
    const isFloat = weight !== undefined && [DataType.FLOAT, DataType.FLOAT16, DataType.BFLOAT16].includes(weight.dataType);
    if (!isFloat || weight.dims.length !== 2) return;
    quantizableMatMuls.push({ node: node.name === '' ? `MatMul_${index}` : node.name, weight: weight.name, shape: [Number(weight.dims[0]), Number(weight.dims[1])] });
  });
  const opsets = proto.opsetImport.map((opset) => `${opset.domain === '' ? 'ai.onnx' : opset.domain} ${opset.version}`);
  return { ops, params, bytesByType, quantizableMatMuls, opsets };
}

/**
 * {@link inspectOnnx}'s findings as lines of text, for a command line.
 *
 * @example
 * ```ts
 * for (const line of formatOnnxInspection(inspectOnnx(model))) console.log(line);
 * ```
 */
export function formatOnnxInspection(inspection: OnnxInspection): string[] {
  const lines = [`opsets: ${inspection.opsets.join(', ')}`, `ops: ${inspection.ops.map(({ op, count }) => `${op} ×${count}`).join(', ')}`];
  lines.push(`bytes by type: ${Object.entries(inspection.bytesByType).map(([type, bytes]) => `${type} ${bytes}`).join(', ')}`);
  const quantizable = inspection.quantizableMatMuls;
  lines.push(`quantizable MatMuls (B a constant 2-D initializer): ${quantizable.length}`);
  for (const matmul of quantizable) lines.push(`  ${matmul.node}: ${matmul.weight} [${matmul.shape.join(', ')}]`);
  return lines;
}
