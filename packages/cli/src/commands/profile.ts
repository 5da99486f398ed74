import { BACKEND_NAMES, profile, type BackendName, type Model, type ModelProfile } from '@whittle/core';
import { assertSafeOutput, readSafetensorsFile, readTfjsModelFile, writeFileAtomic } from '@whittle/core/fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { formatProfileReport, profileJson } from '../format/profile-report.ts';
import { locateModel, modelInputs, type ModelLocation } from '../model-files/model-location.ts';

/** Options of `whittle profile`. */
export interface ProfileCommandOptions {
  readonly inputShape?: readonly number[];
  readonly backend?: BackendName;
  readonly runs?: number;
  readonly json?: boolean;
  /** Where to write the chart of each layer's share of the params, FLOPs and time. */
  readonly svg?: string;
  readonly force?: boolean;
}

/**
 * Profiles the model at `path` layer by layer (see core's `profile`) and prints a table, or JSON
 * with `json`; with `svg`, also writes a chart of each layer's share of the params, FLOPs and
 * time (the chart's renderer is loaded only then).
 *
 * @example
 * ```ts
 * const result = await runProfile('model/model.json', { inputShape: [1, 28, 28, 1], backend: 'cpu', runs: 5 }, processIo());
 * ```
 */
export async function runProfile(path: string, options: ProfileCommandOptions, io: CliIo): Promise<ModelProfile> {
  const location = await locateModel(path);
  // Checked before the model is read and run, so a bad chart path fails at once.
  if (options.svg !== undefined) await assertSafeOutput(modelInputs(location), options.svg, { force: options.force === true });
  const model = await readModel(location);
  const result = await profile(model, {
    ...(options.inputShape === undefined ? {} : { inputShape: options.inputShape }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.runs === undefined ? {} : { runs: options.runs }),
  });
  if (options.svg !== undefined) {
    const [{ renderVegaLiteSvg }, { profileChartSpec }] = await Promise.all([import('../charts/render-svg.ts'), import('../charts/profile-chart.ts')]);
    const svg = await renderVegaLiteSvg(profileChartSpec(result, path));
    await writeFileAtomic(options.svg, new TextEncoder().encode(svg), { force: options.force === true });
  }
  io.stdout(options.json === true ? profileJson(result) : formatProfileReport(path, result));
  return result;
}

async function readModel(location: ModelLocation): Promise<Model> {
  if (location.format === 'safetensors') return readSafetensorsFile(location.path);
  return readTfjsModelFile((location as ModelLocation & { readonly modelJson: string }).modelJson);
}

/**
 * Parses `--input-shape`: comma-separated positive integers, batch first (`1,28,28,1`). Throws
 * commander's InvalidArgumentError, which it reports as a usage error.
 *
 * @example
 * ```ts
 * parseInputShape('1,28,28,1'); // [1, 28, 28, 1]
 * ```
 */
export function parseInputShape(value: string): number[] {
  const parts = value.split(',');
  // A shape of more dimensions than any model takes is refused before it is echoed or parsed.
  if (parts.length > 8 || !parts.every((part) => /^\s*[1-9][0-9]{0,9}\s*$/.test(part))) {
    throw new InvalidArgumentError('expected 1 to 8 comma-separated positive integers, batch first, such as 1,28,28,1.');
  }
  return parts.map(Number);
}

/**
 * Parses `--runs`: an integer from 1 to 1000.
 *
 * @example
 * ```ts
 * parseRuns('20'); // 20
 * ```
 */
export function parseRuns(value: string): number {
  if (!/^[1-9][0-9]{0,3}$/.test(value.trim()) || Number(value) > 1000) throw new InvalidArgumentError('expected an integer from 1 to 1000.');
  return Number(value);
}

/** Command lines shown at the end of `whittle profile --help`. */
export const PROFILE_EXAMPLES: readonly string[] = [
  'whittle profile model/model.json',
  'whittle profile model/ --input-shape 1,28,28,1 --backend cpu --runs 20',
  'whittle profile model/ --json > profile.json',
  'whittle profile model/ --svg profile.svg',
];

/** Adds `whittle profile` to a commander program. */
export function addProfileCommand(program: Command, io: CliIo): void {
  program
    .command('profile')
    .description("where a model spends its params, bytes, FLOPs (multiply-adds), activation memory and time, layer by layer")
    .argument('<model>', 'a model.json, a directory holding one, or a .safetensors file (params and bytes only)')
    .addOption(new Option('--input-shape <dims>', "the input's shape, batch first (default: the model's, batch 1)").argParser(parseInputShape))
    .addOption(new Option('--backend <name>', 'the tfjs backend to time on').choices(BACKEND_NAMES).default('wasm'))
    .addOption(new Option('--runs <n>', 'timed runs per layer and for the whole model; the median is shown').argParser(parseRuns).default(10))
    .option('--json', 'print the profile as JSON')
    .option('--svg <file>', "write a chart of each layer's share of the params, FLOPs and time")
    .option('--force', 'replace an existing chart file (never the model)')
    .addHelpText('after', ['', 'Examples:', ...PROFILE_EXAMPLES.map((line) => `  ${line}`)].join('\n'))
    .action(async (path: string, options: ProfileCommandOptions) => {
      await runProfile(path, options, io);
    });
}
