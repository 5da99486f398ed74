import {
  CANDIDATE_METHODS,
  SEARCH_LOSSES,
  SEARCH_TECHNIQUES,
  WhittleError,
  readCandidateSpace,
  defaultRegistry,
  search,
  useBackend,
  type CandidateMethod,
  type RecipeStep,
  type SearchCandidateSpace,
  type SearchLoss,
  type SearchResult,
  type SearchTarget,
} from '@whittle/core';
import { assertSafeOutput, fileSensitivityCache, readTfjsModelFile, writeFileAtomic } from '@whittle/core/fs';
import { searchStudents, type StudentSearchResult } from '@whittle/distill';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { renderVegaLiteSvg } from '../charts/render-svg.ts';
import type { CliIo } from '../cli-io.ts';
import { searchChartSpec } from '../format/search-chart.ts';
import { formatSearchReport, formatStudentReport } from '../format/search-report.ts';
import { modelInputs, locateModel } from '../model-files/model-location.ts';
import { createProgressReporter } from '../progress/progress-reporter.ts';
import { mnistTraining } from '../resources/mnist-training.ts';
import { CLI_BACKENDS, type CliBackend } from './backend-option.ts';
import { searchData } from './search-data.ts';

/** Options of `whittle search`: exactly one of the four budgets. */
export interface SearchCommandOptions {
  readonly maxBytes?: number;
  readonly maxParams?: number;
  readonly maxLatencyMs?: number;
  readonly maxAccuracyDrop?: number;
  /** `mnist`, or a safetensors file of `inputs` (and `targets`). Default `mnist`. */
  readonly data?: string;
  /** Technique families or recipe kinds; every registered family by default. */
  readonly techniques?: readonly string[];
  /** Magnitude sparsities to try, alone and before each quantization (a candidate space). */
  readonly sparsities?: readonly number[];
  /** Fractions of units or filters removed by structured pruning (a candidate space). */
  readonly structured?: readonly number[];
  /** Quantization widths to try (a candidate space). */
  readonly bits?: readonly number[];
  /** Quantization methods at each width; default affine (a candidate space). */
  readonly methods?: readonly CandidateMethod[];
  /** Try prunings only followed by a quantization, not alone. */
  readonly pairsOnly?: boolean;
  /** Recipe steps appended to every recipe (an entropy-coding step, say), as JSON. */
  readonly then?: readonly RecipeStep[];
  /** What the search minimises; by default the divergence for a classifier (see `SEARCH_LOSSES`). */
  readonly loss?: SearchLoss;
  /** The most plans compressed and measured per round; default 4. */
  readonly plans?: number;
  /** Where to write the recipe JSON. */
  readonly output?: string;
  /** Where to write the Pareto chart. */
  readonly svg?: string;
  /** A JSON file of sensitivities kept between runs: a second run measures only what it lacks. */
  readonly cache?: string;
  readonly json?: boolean;
  readonly force?: boolean;
  readonly backend?: CliBackend;
  /** Also search student architectures (distilled on MNIST; needs `--data mnist`). */
  readonly students?: boolean;
  /** Seconds after which no new student starts; default 60. */
  readonly studentSeconds?: number;
}

/** What `runSearch` found: the recipe search, and the student search when asked for. */
export interface SearchCommandResult {
  readonly search: SearchResult;
  readonly students?: StudentSearchResult;
}

/**
 * Searches for the recipe that meets a budget on the TFJS model at `path`: measures each
 * layer's sensitivity to each setting on `options.data` (progress on stderr), chooses one
 * setting per layer, verifies the recipe by compressing and evaluating, and prints the recipe,
 * predicted against measured figures and the Pareto front (a table, or JSON with `json`); with
 * `students`, also distills and scores student architectures and prints their Pareto front. Writes
 * the recipe to `output` (what `whittle compress --recipe` runs) and the chart to `svg`; the
 * outputs are checked before anything is measured, and never replace the model.
 *
 * @example
 * ```ts
 * const { search } = await runSearch('model/', { maxBytes: 60_000, output: 'recipe.json' }, processIo());
 * search.measured.bytes <= 60_000; // true
 * ```
 */
export async function runSearch(path: string, options: SearchCommandOptions, io: CliIo): Promise<SearchCommandResult> {
  const target = searchTarget(options);
  const candidates = candidateSpace(options);
  if (options.students === true && (options.data ?? 'mnist') !== 'mnist') {
    throw new WhittleError('invalid-argument', 'students are distilled on MNIST digits: --students needs --data mnist', { field: '--students' });
  }
  const location = await locateModel(path);
  if (location.format !== 'tfjs') {
    throw new WhittleError('invalid-argument', 'search runs the model, so it needs a TFJS model (model.json with a topology), not a checkpoint', { file: path });
  }
  const inputs = modelInputs(location);
  const force = options.force === true;
  for (const output of [options.output, options.svg, options.cache]) if (output !== undefined) await assertSafeOutput(inputs, output, { force: true });
  for (const output of [options.output, options.svg]) if (output !== undefined && !force) await refuseExisting(output);
  await useBackend(options.backend ?? 'wasm', { gradients: options.students === true });
  const model = await readTfjsModelFile((location as unknown as { modelJson: string }).modelJson);
  const data = await searchData(options.data ?? 'mnist');
  const cache = options.cache === undefined ? undefined : await fileSensitivityCache(options.cache);
  const progress = createProgressReporter(io, { prefix: 'search' });
  let result: SearchResult;
  let students: StudentSearchResult | undefined;
  try {
    result = await search(model, {
      target,
      data,
      ...(options.techniques === undefined ? {} : { techniques: options.techniques }),
      ...(candidates === undefined ? {} : { candidates }),
      ...(cache === undefined ? {} : { cache }),
      ...(options.loss === undefined ? {} : { loss: options.loss }),
      ...(options.plans === undefined ? {} : { plans: options.plans }),
      onProgress: (event) => {
        if (event.phase === 'sensitivity') progress.update(event.done, event.total, `sensitivity of ${event.param}: ${event.setting}${event.cached ? ' (cached)' : ''}`);
        else if (event.phase === 'uniform') progress.update(event.done, event.total, `uniform recipe: ${event.setting}`);
        else progress.note(`round ${event.round}, plan ${event.plan}: ${event.measured.bytes} bytes${event.measured.metric === undefined ? '' : `, ${event.measured.metric.toFixed(4)}`}: ${event.met ? 'meets the target' : 'misses the target; tightening'}`);
      },
    });
    if (options.students === true) {
      students = await searchStudents(model, {
        training: await mnistTraining(),
        evaluation: data,
        timeLimitMs: (options.studentSeconds ?? 60) * 1000,
        onStudent: ({ done, total, spec, skipped }) => progress.update(done, total, `student ${JSON.stringify(spec)}${skipped === undefined ? '' : ' (skipped)'}`),
      });
    }
  } finally {
    progress.close();
  }
  if (options.output !== undefined) await writeFileAtomic(options.output, new TextEncoder().encode(`${JSON.stringify(result.recipe, null, 2)}\n`), { force });
  if (options.svg !== undefined) await writeFileAtomic(options.svg, new TextEncoder().encode(await renderVegaLiteSvg(searchChartSpec(result))), { force });
  const written = { ...(options.output === undefined ? {} : { recipePath: options.output }), ...(options.svg === undefined ? {} : { svgPath: options.svg }) };
  if (options.json === true) io.stdout(`${JSON.stringify({ ...searchJson(result), ...(students === undefined ? {} : { students }) }, null, 2)}\n`);
  else io.stdout(`${formatSearchReport(result, written)}\n${students === undefined ? '' : `\n${formatStudentReport(students)}\n`}`);
  return { search: result, ...(students === undefined ? {} : { students }) };
}

/**
 * What `whittle search --json` prints: everything but the compressed model and the raw
 * sensitivities (each of which is a candidate already).
 *
 * @example
 * ```ts
 * JSON.stringify(searchJson(result));
 * ```
 */
export function searchJson(result: SearchResult): Omit<SearchResult, 'model' | 'sensitivity'> & { readonly notes: readonly string[] } {
  const { model: _model, sensitivity, ...rest } = result;
  return { ...rest, notes: sensitivity.notes };
}

/** Adds `whittle search` to a commander program. */
export function addSearchCommand(program: Command, io: CliIo): void {
  program
    .command('search')
    .description('find the recipe that meets a size, latency or accuracy budget with the least loss, per layer')
    .argument('<model>', 'a model.json, or a directory holding one (a model that runs: it has a topology)')
    .option('--max-bytes <N>', 'at most N bytes of params (always met, measured on the written model)', parseCount)
    .option('--max-params <N>', 'at most N parameters (always met)', parseCount)
    .option('--max-latency-ms <ms>', 'at most this many milliseconds for a forward pass over one batch', parsePositive)
    .option('--max-accuracy-drop <P>', 'at most this drop of accuracy from the original, a fraction (0.01 = one point); needs labelled data', parseFraction)
    .option('--data <mnist|file>', 'what candidates are evaluated on: "mnist" (500 held-out labelled digits, the default) or a safetensors file (see below)')
    .option('--techniques <list>', `technique families or recipe kinds, comma-separated (default ${SEARCH_TECHNIQUES.join(',')})`, parseTechniques)
    .option('--sparsities <list>', 'magnitude sparsities to try per layer, alone and before each quantization (0.5,0.75,0.9)', parseFractions)
    .option('--structured <list>', 'fractions of units or filters to remove per layer, alone and before each quantization (0.25,0.5)', parseFractions)
    .option('--bits <list>', 'quantization widths to try per layer, 1–8 (2,3,4,5)', parseBits)
    .option('--methods <list>', `how values are quantized at each width: ${CANDIDATE_METHODS.join(', ')} (default affine)`, parseMethods)
    .option('--pairs-only', 'try each pruning only followed by a quantization, not alone')
    .option('--then <json>', 'a recipe step (or a JSON array of steps) appended to every recipe; its size counts toward the budget', parseSteps)
    .addOption(new Option('--loss <name>', 'what the search minimises (default divergence for class scores, else metric with labels, else output-error)').choices(SEARCH_LOSSES))
    .option('--plans <N>', 'the most plans compressed and measured per round, the least measured loss winning (default 4)', parsePlans)
    .option('-o, --output <recipe.json>', 'write the chosen recipe as JSON (what compress --recipe runs)')
    .option('--svg <file>', 'write the candidates and their Pareto front as an SVG chart')
    .option('--cache <file>', 'keep sensitivities in this JSON file: a second run (or one after an interruption) measures only what it lacks')
    .addOption(new Option('--backend <name>', 'the tfjs backend models run on (default wasm)').choices(CLI_BACKENDS))
    .option('--students', 'also search student architectures (width, separable, low-rank), distilled on 8,000 MNIST digits (needs --data mnist)')
    .option('--student-seconds <s>', 'start no new student after this many seconds (default 60)', parsePositive)
    .option('--json', 'print the result as JSON')
    .option('--force', 'replace existing -o and --svg files (never the model)')
    .addHelpText('after', () => `\n${searchHelp()}`)
    .action(async (path: string, options: SearchCommandOptions) => {
      await runSearch(path, options, io);
    });
}

/**
 * The end of `whittle search --help`: the data file format and examples.
 *
 * @example
 * ```ts
 * console.log(searchHelp());
 * ```
 */
export function searchHelp(): string {
  return [
    'Give exactly one budget. Each layer is tried alone at every setting of the allowed techniques',
    '(affine 2–8 bits per channel, 2–4 bits per group of 32, float16; 50/75/90 % magnitude sparsity;',
    'a quarter, half or three quarters of a layer\'s units or filters removed (structured); SVD',
    'ranks ½, ¼, ⅛), then one setting per layer is chosen (a multiple-choice knapsack), the',
    'recipe is run and evaluated, and the budget tightened and the choice made again if it missed.',
    'A classifier\'s settings are ranked by the KL divergence of its outputs from the original\'s on',
    'the data (--loss), far less noisy than accuracy on a few hundred samples; the best plan and the',
    'next best predicted close to it (--plans) are each compressed and measured, and the one measuring',
    'the least loss wins.',
    '',
    'Candidate space (--sparsities, --structured, --bits, --methods, --then): instead of the',
    'settings above, each layer tries every listed pruning followed by every quantization (pruned',
    'weights in the smallest sparse layout, the kept values quantized), each also alone unless --pairs-only; steps',
    'given with --then are appended to every recipe and sized with it. Pruning then quantizing is',
    'what reaches 1/16 and 1/32 of the float32 bytes.',
    '',
    'Data file (--data FILE): a safetensors file with a tensor "inputs" ([samples, ...], the model\'s',
    'input) and, for accuracy, "targets" (class indices [samples], or one-hot [samples, classes]).',
    'Without "targets" candidates are scored by how far their outputs move (output SQNR).',
    '',
    'Examples:',
    '  whittle search model/ --max-bytes 60000 --data mnist -o recipe.json --svg pareto.svg',
    '  whittle compress model/ --recipe recipe.json -o small/',
    '  whittle search model/ --max-accuracy-drop 0.01 --techniques quantize --cache sensitivity.json',
    '  whittle search model/ --max-params 50000 --techniques prune,lowrank --data data.safetensors --json',
    '  whittle search model/ --max-bytes 60000 --students --student-seconds 120',
    '  whittle search model/ --max-bytes 27000 --sparsities 0.75,0.9,0.95 --bits 2,3,4,5 --methods affine,kmeans -o recipe.json',
    '  whittle search model/ --max-params 40000 --structured 0.25,0.5 --bits 4,8 --techniques prune,quantize',
  ].join('\n');
}

/** The candidate space the flags give, or `undefined` when none is given (the default settings). */
function candidateSpace(options: SearchCommandOptions): SearchCandidateSpace | undefined {
  const { sparsities, structured, bits, methods, pairsOnly, then } = options;
  if ([sparsities, structured, bits, methods, then].every((value) => value === undefined) && pairsOnly !== true) return undefined;
  try {
    return readCandidateSpace({
      ...(sparsities === undefined ? {} : { sparsities }),
      ...(structured === undefined ? {} : { structured }),
      ...(bits === undefined ? {} : { bits }),
      ...(methods === undefined ? {} : { methods }),
      ...(pairsOnly === true ? { alone: false } : {}),
      ...(then === undefined ? {} : { then }),
    });
  } catch (error) {
    // The space's fields are the flags' values: name the flag, not the option object.
    if (error instanceof WhittleError && error.field !== undefined) {
      const flag = /^candidates\.(\w+)/u.exec(error.field)?.[1];
      const flags: Record<string, string> = { sparsities: '--sparsities', structured: '--structured', bits: '--bits', methods: '--methods', then: '--then', alone: '--pairs-only' };
      throw new WhittleError('invalid-argument', error.detail, { field: flag === undefined ? '--bits' : (flags[flag] ?? '--bits') });
    }
    throw error;
  }
}

function searchTarget(options: SearchCommandOptions): SearchTarget {
  const given: SearchTarget[] = [];
  if (options.maxBytes !== undefined) given.push({ maxBytes: options.maxBytes });
  if (options.maxParams !== undefined) given.push({ maxParams: options.maxParams });
  if (options.maxLatencyMs !== undefined) given.push({ maxLatencyMs: options.maxLatencyMs });
  if (options.maxAccuracyDrop !== undefined) given.push({ maxAccuracyDrop: options.maxAccuracyDrop });
  if (given.length !== 1) {
    throw new WhittleError('invalid-argument', 'give exactly one of --max-bytes, --max-params, --max-latency-ms and --max-accuracy-drop', { field: '--max-bytes' });
  }
  return given[0]!;
}

async function refuseExisting(path: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists) throw new WhittleError('invalid-argument', 'the output exists; pass --force to replace it', { file: path });
}

function parseCount(value: string): number {
  const number = Number(value);
  if (!/^\d+$/u.test(value.trim()) || !Number.isSafeInteger(number)) throw new InvalidArgumentError('expected a whole number.');
  return number;
}

function parsePositive(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return number;
}

function parsePlans(value: string): number {
  const number = parseCount(value);
  if (number < 1 || number > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64.');
  return number;
}

function parseFraction(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 1) throw new InvalidArgumentError('expected a fraction from 0 to 1.');
  return number;
}

function parseList(value: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item === '')) throw new InvalidArgumentError('expected a comma-separated list.');
  return items;
}

function parseFractions(value: string): number[] {
  return parseList(value).map((item) => {
    const number = Number(item);
    if (!Number.isFinite(number) || number <= 0 || number >= 1) throw new InvalidArgumentError('expected fractions between 0 and 1, such as 0.5,0.9.');
    return number;
  });
}

function parseBits(value: string): number[] {
  return parseList(value).map((item) => {
    if (!/^[1-8]$/u.test(item)) throw new InvalidArgumentError('expected whole numbers from 1 to 8, such as 2,4.');
    return Number(item);
  });
}

function parseMethods(value: string): CandidateMethod[] {
  return parseList(value).map((item) => {
    if (!(CANDIDATE_METHODS as readonly string[]).includes(item)) throw new InvalidArgumentError(`expected methods among ${CANDIDATE_METHODS.join(', ')}.`);
    return item as CandidateMethod;
  });
}

/** Most characters of a --then value: a few steps, not a file's worth. */
const MAX_THEN_LENGTH = 64 * 1024;

function parseSteps(value: string, previous: RecipeStep[] | undefined): RecipeStep[] {
  if (value.length > MAX_THEN_LENGTH) throw new InvalidArgumentError(`expected at most ${MAX_THEN_LENGTH} characters of JSON.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected a JSON recipe step, such as {"kind":"quantize.float16"}, or an array of them.');
  }
  const steps = Array.isArray(parsed) ? parsed : [parsed];
  if (steps.some((step) => typeof step !== 'object' || step === null || Array.isArray(step) || typeof (step as { kind?: unknown }).kind !== 'string')) {
    throw new InvalidArgumentError('expected recipe steps: objects with a "kind".');
  }
  return [...(previous ?? []), ...(steps as RecipeStep[])];
}

function parseTechniques(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  const kinds = defaultRegistry.kinds();
  const unknown = names.filter((name) => !(SEARCH_TECHNIQUES as readonly string[]).includes(name) && !kinds.includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(`unknown technique ${unknown.map((name) => JSON.stringify(name.slice(0, 40))).join(', ')}; expected ${SEARCH_TECHNIQUES.join(', ')} or recipe kinds.`);
  }
  return names;
}
