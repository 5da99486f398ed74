/**
 * The `onnx` suite: a transformer block of realistic width compressed into transformers.js's
 * dtypes (fp16, q8, q4 by round to nearest and by GPTQ), each run in onnxruntime-web's wasm
 * backend against float32 (bytes, output error, latency), and the time and peak memory to
 * quantize a 100M-parameter ONNX model to q4 in Node.
 */
import { encodeModelProto } from '@whittle/onnx';
import { buildModelProto } from '@whittle/onnx/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureInterleaved } from '../../measure-interleaved.ts';
import type { ResultRow } from '../../result-row.ts';
import { seededRandom } from '../../seeded-random.ts';
import type { Suite, SuiteOptions, SuiteResult } from '../../suite.ts';
import { quantizeInChild, writeLargeModel } from './large-model.ts';
import { outputAgreement } from './output-error.ts';
import { transformerBlockSpec, withActivationOutputs } from './transformer-block.ts';
import { calibrationRows, createSession, ONNX_VARIANTS, runOnce, variantBytes, type OnnxVariant } from './onnx-variants.ts';

const SUITE = 'onnx';
const BACKEND = 'onnxruntime-web-wasm';

/** The sizes of a full run and of `--quick`. */
export const ONNX_SUITE_SIZES = {
  full: { block: { hidden: 768, mlp: 3072, tokens: 64 }, calibrationSamples: 8, evaluationSamples: 4, warmup: 2, runs: 15, large: { layers: 24, width: 2048 } },
  quick: { block: { hidden: 64, mlp: 256, tokens: 8 }, calibrationSamples: 2, evaluationSamples: 2, warmup: 1, runs: 3, large: { layers: 4, width: 256 } },
} as const;

/** The `onnx` suite. */
export const onnxSuite: Suite = {
  name: SUITE,
  description: 'a 768-wide transformer block as fp16, q8, q4 (RTN, GPTQ) in onnxruntime-web against float32: bytes, output error, latency; q4 of a 100M-parameter model: time and peak RSS',
  defaultBackends: [],
  run: runOnnxSuite,
};

async function runOnnxSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const sizes = options.quick === true ? ONNX_SUITE_SIZES.quick : ONNX_SUITE_SIZES.full;
  const progress = options.onProgress ?? (() => {});
  const rows: ResultRow[] = [];
  const loadAtStart = loadavg();
  const { hidden, mlp, tokens } = sizes.block;
  const size = `${hidden}x${mlp}x${tokens}`;
  const block = transformerBlockSpec(sizes.block, 1);
  const source = encodeModelProto(buildModelProto(block.spec));
  const dims = [1, tokens, hidden];
  const random = seededRandom(11);
  const sample = (): Float32Array => random.normalArray(tokens * hidden);
  const calibrationInputs = Array.from({ length: sizes.calibrationSamples }, sample);
  const evaluationInputs = Array.from({ length: sizes.evaluationSamples }, sample);

  progress(`onnx: calibration rows of ${block.matMulInputs.size} MatMuls`);
  const calibration = await calibrationRows(withActivationOutputs(block), block.matMulInputs, calibrationInputs);
  const files = new Map<OnnxVariant, Uint8Array>();
  const quantizeSeconds = new Map<OnnxVariant, number>();
  for (const variant of ONNX_VARIANTS) {
    progress(`onnx: writing ${variant}`);
    const started = performance.now();
    files.set(variant, await variantBytes(source, variant, calibration));
    quantizeSeconds.set(variant, (performance.now() - started) / 1000);
  }
  const sessions = new Map(await Promise.all(ONNX_VARIANTS.map(async (variant) => [variant, await createSession(files.get(variant)!)] as const)));
  try {
    progress('onnx: output error on held-out inputs');
    const outputs = new Map<OnnxVariant, Float32Array[]>();
    for (const variant of ONNX_VARIANTS) {
      const session = sessions.get(variant)!;
      const results: Float32Array[] = [];
      for (const input of evaluationInputs) results.push(await runOnce(session, 'x', dims, input));
      outputs.set(variant, results);
    }
    progress(`onnx: latency, ${sizes.runs} interleaved rounds`);
    const input = evaluationInputs[0]!;
    const tasks = Object.fromEntries(ONNX_VARIANTS.map((variant) => [variant, () => runOnce(sessions.get(variant)!, 'x', dims, input)])) as Record<OnnxVariant, () => Promise<Float32Array>>;
    const latency = await measureInterleaved(tasks, { warmup: sizes.warmup, runs: sizes.runs });
    const float = latency.float32;
    for (const variant of ONNX_VARIANTS) {
      const row = (metric: string, value: number, unit: string, extra: Partial<ResultRow> = {}): ResultRow => ({ suite: SUITE, case: variant, backend: BACKEND, size, metric, value, unit, ...extra });
      rows.push(row('bytes', files.get(variant)!.byteLength, 'bytes', { peer: { name: 'float32', value: source.byteLength } }));
      const agreement = outputAgreement(outputs.get('float32')!, outputs.get(variant)!);
      rows.push(row('relative-rms-error', agreement.relativeRmsError, 'ratio'));
      rows.push(row('cosine', agreement.cosine, 'cosine'));
      const measured = latency[variant];
      rows.push(row('latency', measured.median * 1000, 'ms', { spread: { min: measured.min * 1000, max: measured.max * 1000 }, peer: { name: 'float32', value: float.median * 1000 } }));
      if (variant !== 'float32') rows.push(row('compress-time', quantizeSeconds.get(variant)!, 's'));
    }
  } finally {
    for (const session of sessions.values()) await session.release();
  }

  const { layers, width } = sizes.large;
  const directory = await mkdtemp(join(tmpdir(), 'whittle-bench-onnx-'));
  try {
    progress(`onnx: writing a ${layers}×[${width}, ${width}] model, streamed`);
    const params = await writeLargeModel(directory, sizes.large);
    progress(`onnx: quantizing ${params.toLocaleString('en-US')} params to q4 in a child process`);
    const figures = await quantizeInChild(directory);
    const row = (metric: string, value: number, unit: string, extra: Partial<ResultRow> = {}): ResultRow => ({ suite: SUITE, case: 'q4-large-model', backend: 'js', size: `${params}`, metric, value, unit, ...extra });
    rows.push(row('time', figures.seconds, 's'));
    rows.push(row('throughput', params / figures.seconds, 'params/s'));
    rows.push(row('peak-rss', figures.peakRssBytes, 'bytes', { peer: { name: 'node importing @whittle/onnx only', value: figures.baselineRssBytes } }));
    rows.push(row('bytes', figures.outputBytes, 'bytes', { peer: { name: 'float32', value: params * 4 } }));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  const loadAtEnd = loadavg();
  return {
    rows,
    backends: [],
    notes: [
      `onnxruntime-web 1.30 wasm, one thread, graph optimizations on; latency cases ran interleaved (${ONNX_VARIANTS.join(', ')}, each round starting with the next), ${sizes.warmup} warm-up rounds then ${sizes.runs} timed.`,
      `Output error on ${sizes.evaluationSamples} held-out seeded inputs [1, ${tokens}, ${hidden}]; GPTQ calibrated on ${sizes.calibrationSamples} others (the MatMuls' inputs as onnxruntime computes them).`,
      `The large model: ${layers} MatMuls [${width}, ${width}] with external data, quantized to MatMulNBits (blocks of 32) by readOnnxFile → quantizeMatMulsToNBits → writeOnnxFile in a fresh Node process; peak RSS is its process.resourceUsage().maxRSS.`,
      `Load average (1, 5, 15 min) at the start ${loadAtStart.map((value) => value.toFixed(1)).join(', ')}, at the end ${loadAtEnd.map((value) => value.toFixed(1)).join(', ')}.`,
    ],
  };
}
