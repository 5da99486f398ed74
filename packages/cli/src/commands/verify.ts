import { WhittleError } from '@whittle/core';
import { TensorProto_DataType as DataType } from '@whittle/onnx';
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { CliIo } from '../cli-io.ts';
import { CLI_BACKENDS, type CliBackend } from './backend-option.ts';
import { outputAgreement, type OutputAgreement } from './verify-metrics.ts';
import type { VerifyInput, VerifySession, VerifyTensor } from './verify-onnx-session.ts';

/** Element types `whittle verify` makes random inputs of. */
const RANDOM_INPUT_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.INT64, DataType.INT32]);

/** Options of `whittle verify`. */
export interface VerifyCommandOptions {
  /** Runs on different random inputs (default 3). */
  readonly samples?: string;
  /** Sizes of symbolic dims, `name=value` (default 1 each). */
  readonly dim?: readonly string[];
  /** A JSON file of inputs `{ "x": { "dims": [1, 8], "data": [...] } }`, used instead of random ones. */
  readonly inputs?: string;
  /** Integer inputs (token ids, masks) are drawn from [0, intRange) (default 2). */
  readonly intRange?: string;
  /** Fail (exit status 1) when any output's cosine similarity is below this. */
  readonly minCosine?: string;
  readonly json?: boolean;
  /** The tfjs backend TFJS models run on (default wasm); ONNX models run in onnxruntime-web's wasm build. */
  readonly backend?: CliBackend;
}

/** What `whittle verify` found. */
export interface VerifyReport {
  readonly reference: string;
  readonly candidate: string;
  readonly samples: number;
  readonly outputs: readonly OutputAgreement[];
  /** The threshold checked, or null. */
  readonly minCosine: number | null;
  readonly passed: boolean;
}

const MAX_SAMPLES = 1000;

/**
 * Runs a model and its compressed version on the same inputs (seeded random ones, or
 * `--inputs`) and compares every output of the reference: cosine similarity, max abs error and
 * top-1 agreement. Two `.onnx` files run in onnxruntime; two TFJS models (model.json or its
 * directory) run in tfjs on `backend`, each param as what it decodes to, outputs named by
 * position. Prints the comparison, then fails with exit status 1 when an output's cosine is
 * below `--min-cosine`, or when the runtime refuses either model.
 *
 * @example
 * ```ts
 * await runVerify('model.onnx', 'onnx/model_q4.onnx', { minCosine: '0.99' }, processIo());
 * ```
 */
export async function runVerify(referencePath: string, candidatePath: string, options: VerifyCommandOptions, io: CliIo): Promise<VerifyReport> {
  const onnx = [referencePath, candidatePath].map((path) => path.toLowerCase().endsWith('.onnx'));
  if (onnx[0] !== onnx[1]) {
    throw new WhittleError('invalid-argument', 'verify compares two .onnx models or two TFJS models, not one of each', { file: onnx[0] ? candidatePath : referencePath });
  }
  const samples = integerOption(options.samples ?? '3', '--samples', 1, MAX_SAMPLES);
  const intRange = integerOption(options.intRange ?? '2', '--int-range', 1, 2 ** 31 - 1);
  const minCosine = options.minCosine === undefined ? null : numberOption(options.minCosine, '--min-cosine');
  const dims = parseDims(options.dim ?? []);
  const given = options.inputs === undefined ? undefined : await readInputs(options.inputs);
  // onnxruntime (or tfjs's runner) loads only for this command, not for every whittle command line.
  const backend = options.backend ?? 'wasm';
  const openVerifySession: (path: string) => Promise<VerifySession> = onnx[0]
    ? (await import('./verify-onnx-session.ts')).openVerifySession
    : async (path) => (await import('./verify-tfjs-session.ts')).openTfjsVerifySession(path, backend);
  const reference = await openVerifySession(referencePath);
  let candidate: VerifySession | undefined;
  try {
    candidate = await openVerifySession(candidatePath);
    const collected = new Map<string, { reference: number[]; candidate: number[]; lastAxis: number }>();
    const runs = given === undefined ? samples : 1;
    for (let sample = 0; sample < runs; sample++) {
      const feeds = given ?? randomFeeds(reference.inputs, dims, intRange, sample + 1);
      const expected = await reference.run(feeds);
      const actual = await candidate.run(feeds);
      for (const [name, tensor] of Object.entries(expected)) {
        const got = actual[name];
        if (got === undefined) throw new WhittleError('invalid-model', `the compressed model has no output ${JSON.stringify(name)}`, { file: candidatePath });
        if (got.data.length !== tensor.data.length) {
          throw new WhittleError('invalid-model', `output ${JSON.stringify(name)} has ${got.data.length} elements, the reference ${tensor.data.length}`, { file: candidatePath });
        }
        const entry = collected.get(name) ?? { reference: [], candidate: [], lastAxis: tensor.dims[tensor.dims.length - 1] ?? 1 };
        for (const value of tensor.data) entry.reference.push(Number(value));
        for (const value of got.data) entry.candidate.push(Number(value));
        collected.set(name, entry);
      }
    }
    const outputs = [...collected].map(([name, entry]) => outputAgreement(name, entry.reference, entry.candidate, entry.lastAxis));
    const passed = minCosine === null || outputs.every((output) => output.cosine >= minCosine);
    const report: VerifyReport = { reference: referencePath, candidate: candidatePath, samples: runs, outputs, minCosine, passed };
    io.stdout(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    if (!passed) {
      const worst = outputs.reduce((low, output) => (output.cosine < low.cosine ? output : low));
      throw new WhittleError('invalid-model', `output ${JSON.stringify(worst.name)} has cosine ${worst.cosine.toFixed(6)}, under --min-cosine ${minCosine}`, { file: candidatePath });
    }
    return report;
  } finally {
    await reference.release();
    await candidate?.release();
  }
}

/** Adds `whittle verify` to a commander program. */
export function addVerifyCommand(program: Command, io: CliIo): void {
  program
    .command('verify')
    .description('run a model and its compressed version on the same inputs (ONNX in onnxruntime, TFJS in tfjs); report cosine, max abs error and top-1 agreement per output')
    .argument('<model>', 'the reference: a .onnx file, or a TFJS model.json or its directory')
    .argument('<compressed>', 'the compressed model, in the same format')
    .option('--samples <n>', 'runs on different seeded random inputs', '3')
    .option('--dim <name=value...>', 'the size of a symbolic dim (default 1)')
    .option('--inputs <file>', 'a JSON file of inputs: { "x": { "dims": [1, 8], "data": [...] } }')
    .option('--int-range <n>', 'integer inputs (ids, masks) drawn from [0, n)', '2')
    .option('--min-cosine <value>', 'exit with status 1 when any output\'s cosine similarity is below this')
    .option('--json', 'print the comparison as JSON')
    .addOption(new Option('--backend <name>', 'the tfjs backend TFJS models run on').choices(CLI_BACKENDS).default('wasm'))
    .action(async (model: string, compressed: string, options: VerifyCommandOptions) => {
      await runVerify(model, compressed, options, io);
    });
}

function formatReport(report: VerifyReport): string {
  const lines = [`${report.candidate} against ${report.reference}, ${report.samples} run${report.samples === 1 ? '' : 's'}:`];
  for (const output of report.outputs) {
    const top1 = output.top1Agreement === null ? '' : `, top-1 agreement ${(output.top1Agreement * 100).toFixed(1)}%`;
    lines.push(`  ${output.name}: cosine ${output.cosine.toFixed(6)}, max abs error ${output.maxAbsError.toPrecision(4)}${top1}`);
  }
  if (report.minCosine !== null) lines.push(report.passed ? `every output at or above cosine ${report.minCosine}` : `below cosine ${report.minCosine}`);
  return `${lines.join('\n')}\n`;
}

function randomFeeds(inputs: readonly VerifyInput[], dims: ReadonlyMap<string, number>, intRange: number, seed: number): Record<string, VerifyTensor> {
  const feeds: Record<string, VerifyTensor> = {};
  let state = (seed * 2654435761) >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
  for (const input of inputs) {
    if (!RANDOM_INPUT_TYPES.has(input.type)) {
      throw new WhittleError('invalid-argument', `input ${JSON.stringify(input.name)} has element type ${input.type}; give it with --inputs`, { field: input.name });
    }
    const shape = input.dims.map((dim) => (typeof dim === 'number' ? dim : (dims.get(dim) ?? 1)));
    const count = shape.reduce((product, dimension) => product * dimension, 1);
    if (!Number.isSafeInteger(count) || count > 2 ** 26) throw new WhittleError('invalid-argument', `input ${JSON.stringify(input.name)} of shape [${shape.join(', ')}] is too large`, { field: input.name });
    if (input.type === DataType.FLOAT) feeds[input.name] = { dims: shape, data: Float32Array.from({ length: count }, () => next() * 2 - 1) };
    else if (input.type === DataType.INT64) feeds[input.name] = { dims: shape, data: BigInt64Array.from({ length: count }, () => BigInt(Math.floor(next() * intRange))) };
    else feeds[input.name] = { dims: shape, data: Int32Array.from({ length: count }, () => Math.floor(next() * intRange)) };
  }
  return feeds;
}

async function readInputs(path: string): Promise<Record<string, VerifyTensor>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new WhittleError('malformed-file', 'the inputs are not a JSON object', { file: path }, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new WhittleError('malformed-file', 'the inputs are not a JSON object', { file: path });
  const feeds: Record<string, VerifyTensor> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const { dims, data, type } = (value ?? {}) as { dims?: unknown; data?: unknown; type?: unknown };
    const validDims = Array.isArray(dims) && dims.every((dim) => Number.isSafeInteger(dim) && dim >= 0) ? (dims as number[]) : undefined;
    const count = validDims?.reduce((product, dimension) => product * dimension, 1);
    if (validDims === undefined || !Array.isArray(data) || data.length !== count || !data.every((entry) => typeof entry === 'number' && Number.isFinite(entry))) {
      throw new WhittleError('malformed-file', 'needs dims (sizes) and data (as many finite numbers as the dims hold)', { file: path, field: name });
    }
    feeds[name] = type === 'int64' ? { dims: validDims, data: BigInt64Array.from(data as number[], (entry) => BigInt(Math.trunc(entry))) } : { dims: validDims, data: Float32Array.from(data as number[]) };
  }
  return feeds;
}

function parseDims(entries: readonly string[]): Map<string, number> {
  const dims = new Map<string, number>();
  for (const entry of entries) {
    const match = /^([^=]+)=(\d+)$/.exec(entry);
    if (match === null) throw new WhittleError('invalid-argument', `--dim takes name=size, got ${JSON.stringify(entry)}`, { field: '--dim' });
    dims.set(match[1]!, integerOption(match[2]!, '--dim', 1, 2 ** 20));
  }
  return dims;
}

function integerOption(text: string, name: string, minimum: number, maximum: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < minimum || value > maximum) throw new WhittleError('invalid-argument', `${name} must be a whole number from ${minimum} to ${maximum}, got ${JSON.stringify(text)}`, { field: name });
  return value;
}

function numberOption(text: string, name: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < -1 || value > 1) throw new WhittleError('invalid-argument', `${name} must be a number from -1 to 1, got ${JSON.stringify(text)}`, { field: name });
  return value;
}
