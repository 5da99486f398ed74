import { isWhittleError, WhittleError } from '@whittle/core';
import { fileError, openRegularFile } from '@whittle/core/fs';
import { DISTILL_KIND, MAX_STUDENT_SPEC_LENGTH, validateDistillStep, validateStudentSpec, type DistillStep, type StudentSpec } from '@whittle/distill';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import type { CompressReport } from '../compress/compress-report.ts';
import { DATA_NAMES, type DataName } from '../resources/mnist-calibration.ts';
import { runCompress } from './compress.ts';

/** Options of `whittle distill`. */
export interface DistillCommandOptions {
  /** A student spec: inline JSON (`{"width":0.25}`) or the path of a JSON file holding one. */
  readonly student: string;
  /** The dataset the student trains on. */
  readonly data?: DataName;
  /** The output directory. */
  readonly output: string;
  readonly epochs?: number;
  readonly temperature?: number;
  readonly alpha?: number;
  readonly json?: boolean;
  readonly force?: boolean;
}

/**
 * Distills the TFJS model at `path` (the teacher) into the student `options.student` names,
 * trained on `options.data`, and writes the student: the one-step recipe
 * `[{ kind: 'distill', student, epochs, temperature, alpha }]` run through `runCompress`, so the
 * output is written the same way (atomically, never over the input, over an old output only with
 * `force`) and the report is the same. The student spec and settings are checked before any
 * model or data is read; an error names the flag.
 *
 * @example
 * ```ts
 * const report = await runDistill('teacher/', { student: '{"width":0.25}', data: 'mnist', output: 'student/', epochs: 3 }, processIo());
 * report.steps[0]?.paramsAfter; // the student's params
 * ```
 */
export async function runDistill(path: string, options: DistillCommandOptions, io: CliIo): Promise<CompressReport> {
  const step = distillCommandStep(await readStudentSpec(options.student), options);
  return runCompress(path, { recipe: JSON.stringify([step]), output: options.output, ...pick(options, ['data', 'json', 'force'] as const) }, io);
}

/** Adds `whittle distill` to a commander program. */
export function addDistillCommand(program: Command, io: CliIo): void {
  program
    .command('distill')
    .description('train a smaller student built from a TFJS model (the teacher) to match it, and write the student')
    .argument('<teacher>', 'a model.json, or a directory holding one')
    .requiredOption('--student <spec>', 'the student: inline JSON such as \'{"width":0.25}\', or a JSON file (fields: width, multipleOf, separable, gru, rank, lowRankBudget, seed)')
    .addOption(new Option('--data <name>', 'the data the student learns from: 8,000 labelled MNIST digits').choices(DATA_NAMES).makeOptionMandatory())
    .requiredOption('-o, --output <dir>', 'where to write the student (a directory)')
    .option('--epochs <count>', 'passes over the data (default 1)', parseCount)
    .option('--temperature <T>', 'softmax temperature of the soft targets (default 4)', parsePositive)
    .option('--alpha <weight>', 'weight of the hard labels against the teacher, 0–1 (default 0.1)', parseFraction)
    .option('--json', 'print the report as JSON')
    .option('--force', 'replace an existing output (never the input)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        `  whittle distill teacher/ --data mnist --student '{"width":0.25}' -o student/ --epochs 3`,
        `  whittle distill teacher/ --data mnist --student student.json -o student/ --temperature 2 --alpha 0.5 --json`,
        '  To prune or quantize the student in the same run, use compress with a "distill" step:',
        `  whittle compress teacher/ --data mnist --recipe '[{"kind":"distill","student":{"width":0.25}},{"kind":"quantize.kmeans","bits":5}]' -o small/`,
      ].join('\n'),
    )
    .action(async (path: string, options: DistillCommandOptions) => {
      await runDistill(path, options, io);
    });
}

/**
 * The `--student` value as a checked spec: inline JSON when it starts with `{`, else a JSON file
 * of at most `MAX_STUDENT_SPEC_LENGTH` bytes (a device or a huge file is refused unread).
 *
 * @example
 * ```ts
 * await readStudentSpec('{"width":0.5,"separable":true}'); // { width: 0.5, separable: true }
 * ```
 */
export async function readStudentSpec(value: string): Promise<StudentSpec> {
  const inline = value.trimStart().startsWith('{');
  const text = inline ? value : await readSpecFile(value);
  try {
    return validateStudentSpec(text);
  } catch (error) {
    if (!isWhittleError(error)) throw error;
    const field = error.field === undefined || error.field === 'spec' ? '--student' : `--student ${error.field.slice('spec.'.length)}`;
    throw new WhittleError('invalid-argument', error.detail, { field, ...(inline ? {} : { file: value }) }, { cause: error });
  }
}

async function readSpecFile(path: string): Promise<string> {
  const what = 'cannot read the student spec';
  const { handle, size } = await openRegularFile(path, what);
  try {
    if (size > MAX_STUDENT_SPEC_LENGTH) throw new WhittleError('invalid-argument', `a student spec is at most ${MAX_STUDENT_SPEC_LENGTH} bytes, got ${size}`, { file: path, field: '--student' });
    const bytes = new Uint8Array(size);
    const { bytesRead } = await handle.read(bytes, 0, size, 0);
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, bytesRead));
  } catch (error) {
    throw error instanceof WhittleError ? error : fileError(path, what, error);
  } finally {
    await handle.close();
  }
}

/** The distill step of a run, checked like any recipe step; an error names the flag. */
function distillCommandStep(student: StudentSpec, options: DistillCommandOptions): DistillStep {
  const step = { kind: DISTILL_KIND, student, ...pick(options, ['epochs', 'temperature', 'alpha'] as const) } as DistillStep;
  try {
    validateDistillStep(step, { step: 1 });
  } catch (error) {
    if (!isWhittleError(error)) throw error;
    throw new WhittleError('invalid-argument', error.detail, { field: `--${error.field ?? 'student'}` }, { cause: error });
  }
  return step;
}

function pick<Source extends object, Key extends keyof Source>(source: Source, keys: readonly Key[]): Partial<Pick<Source, Key>> {
  const picked: Partial<Pick<Source, Key>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}

function parseCount(value: string): number {
  const count = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(count) || count < 1 || count > 10_000) throw new InvalidArgumentError(`expected a whole number from 1 to 10000, got ${JSON.stringify(value.slice(0, 40))}.`);
  return count;
}

function parsePositive(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0 || number > 1000) throw new InvalidArgumentError(`expected a number above 0, at most 1000, got ${JSON.stringify(value.slice(0, 40))}.`);
  return number;
}

function parseFraction(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 1) throw new InvalidArgumentError(`expected a number from 0 to 1, got ${JSON.stringify(value.slice(0, 40))}.`);
  return number;
}
