/**
 * A large ONNX model written to disk without holding it in memory (its weights streamed into
 * `model.onnx_data`), and a fresh Node process that quantizes it to q4 and reports its own time
 * and peak memory.
 */
import { create } from '@bufbuild/protobuf';
import { encodeModelProto, ModelProtoSchema, TensorProto_DataLocation as DataLocation, TensorProto_DataType as DataType } from '@whittle/onnx';
import { open, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../../seeded-random.ts';
import { runNode } from '../../run-node.ts';

/** A chain of `layers` MatMuls `[width, width]`, each followed by a Relu. */
export interface LargeModelSize {
  readonly layers: number;
  readonly width: number;
}

/**
 * Writes `directory/model.onnx` (the graph) and `directory/model.onnx_data` (the weights, one
 * seeded `[width, width]` float32 matrix at a time), and returns the parameter count.
 *
 * @example
 * ```ts
 * const params = await writeLargeModel(directory, { layers: 24, width: 2048 }); // 100,663,296
 * ```
 */
export async function writeLargeModel(directory: string, size: LargeModelSize): Promise<number> {
  const { layers, width } = size;
  const random = seededRandom(7);
  const data = await open(join(directory, 'model.onnx_data'), 'w');
  const initializer = [];
  const node = [];
  const bytes = width * width * 4;
  try {
    for (let layer = 0; layer < layers; layer++) {
      const weights = random.uniformArray(width * width, -1 / Math.sqrt(width), 1 / Math.sqrt(width));
      await data.write(new Uint8Array(weights.buffer), 0, bytes, layer * bytes);
      const name = `w${layer}`;
      initializer.push({
        name,
        dims: [BigInt(width), BigInt(width)],
        dataType: DataType.FLOAT,
        dataLocation: DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: 'model.onnx_data' },
          { key: 'offset', value: String(layer * bytes) },
          { key: 'length', value: String(bytes) },
        ],
      });
      const input = layer === 0 ? 'x' : `h${layer}`;
      node.push({ opType: 'MatMul', input: [input, name], output: [`m${layer}`] });
      node.push({ opType: 'Relu', input: [`m${layer}`], output: [layer === layers - 1 ? 'y' : `h${layer + 1}`] });
    }
  } finally {
    await data.close();
  }
  const value = (name: string) => ({
    name,
    type: { value: { case: 'tensorType' as const, value: { elemType: DataType.FLOAT, shape: { dim: [{ value: { case: 'dimValue' as const, value: 1n } }, { value: { case: 'dimValue' as const, value: BigInt(width) } }] } } } },
  });
  const proto = create(ModelProtoSchema, {
    irVersion: 10n,
    producerName: 'whittle-bench',
    opsetImport: [{ domain: '', version: 21n }],
    graph: { name: 'large', input: [value('x')], output: [value('y')], initializer, node },
  });
  await writeFile(join(directory, 'model.onnx'), encodeModelProto(proto));
  return layers * width * width;
}

/** What the child process measured of itself. */
export interface QuantizeChildFigures {
  /** Seconds to read, quantize to q4 (MatMulNBits, blocks of 32) and write, after imports. */
  readonly seconds: number;
  /** `process.resourceUsage().maxRSS` at the end, in bytes: the whole process's peak. */
  readonly peakRssBytes: number;
  /** The same for a process that only imported the packages. */
  readonly baselineRssBytes: number;
  /** Bytes of the written `.onnx` and its data file. */
  readonly outputBytes: number;
}

// Plain JavaScript run with `node -e`: the child loads the built packages by URL, needs no bundler,
// and its peak RSS is the quantization's alone, not the benchmark's.
const CHILD_SOURCE = `
const [mode, input, output, onnxUrl] = process.argv.slice(1);
try {
  const { readOnnxFile, quantizeMatMulsToNBits, writeOnnxFile } = await import(onnxUrl);
  let seconds = 0;
  let outputBytes = 0;
  if (mode === 'quantize') {
    const started = performance.now();
    const model = await readOnnxFile(input);
    const { model: q4 } = await quantizeMatMulsToNBits(model, { blockSize: 32 });
    const written = await writeOnnxFile(output, q4);
    seconds = (performance.now() - started) / 1000;
    outputBytes = written.bytes;
  }
  process.stdout.write(JSON.stringify({ seconds, outputBytes, maxRss: process.resourceUsage().maxRSS * 1024 }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error instanceof Error ? error.message : error) }));
  process.exitCode = 1;
}
`;

/**
 * Quantizes `directory/model.onnx` to `directory/model_q4.onnx` in a fresh Node process, after a
 * baseline process that only imports `@whittle/onnx`. Node only.
 *
 * @example
 * ```ts
 * const { seconds, peakRssBytes } = await quantizeInChild(directory);
 * ```
 */
export async function quantizeInChild(directory: string): Promise<QuantizeChildFigures> {
  const onnxUrl = pathToFileURL(createRequire(import.meta.url).resolve('@whittle/onnx')).href;
  const run = async (mode: 'quantize' | 'baseline') => {
    const args = ['--input-type=module', '-e', CHILD_SOURCE, '--', mode, join(directory, 'model.onnx'), join(directory, 'model_q4.onnx'), onnxUrl];
    const { code, stdout, stderr } = await runNode(args);
    let reported: { seconds: number; outputBytes: number; maxRss: number; error?: string };
    try {
      reported = JSON.parse(stdout) as typeof reported;
    } catch {
      throw new Error(`the ${mode} child process exited with status ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
    }
    if (code !== 0 || reported.error !== undefined) throw new Error(`the ${mode} child process exited with status ${code}: ${reported.error ?? 'no reason given'}`);
    return reported;
  };
  const baseline = await run('baseline');
  const quantized = await run('quantize');
  return { seconds: quantized.seconds, peakRssBytes: quantized.maxRss, baselineRssBytes: baseline.maxRss, outputBytes: quantized.outputBytes };
}
