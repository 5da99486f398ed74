/**
 * A one-step verb as a `whittle` command: flags → one recipe step → the same run as
 * `whittle compress --recipe '<that step>'`.
 */
import { defaultRegistry, WhittleError, type RecipeRegistry, type RecipeStep } from '@whittle/core';
import { Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { parseShardSize, runCompress } from '../commands/compress.ts';
import type { CompressReport } from '../compress/compress-report.ts';
import { INLINE_RECIPE } from '../recipe/read-recipe.ts';
import { findPreset } from '../recipe/presets.ts';
import { DATA_NAMES, type DataName } from '../resources/mnist-calibration.ts';
import { buildStep, checkOneStep, fieldOf, methodOf, presetStep, withFlagNames, type GivenFlags } from './one-step-recipe.ts';
import { FILTER_FLAGS, type VerbDefinition, type VerbFlag } from './verb-definition.ts';

/** Options of a one-step verb, as commander parses them: the shared ones, and one entry per flag. */
export interface VerbCommandOptions {
  readonly method?: string;
  readonly preset?: string;
  readonly output?: string;
  readonly json?: boolean;
  readonly force?: boolean;
  readonly shardSize?: number;
  readonly data?: DataName;
  readonly calibration?: string;
  readonly printRecipe?: boolean;
  readonly [flag: string]: unknown;
}

/** The step a verb's command line stands for, and the method (or preset) it came from. */
export interface VerbStep {
  readonly step: RecipeStep;
  /** The method's name, or `undefined` for a preset. */
  readonly method: string | undefined;
}

/**
 * The one recipe step `options` stand for, checked by the step's reader (errors name the flag):
 * the preset's step plus filters with `--preset`, else the `--method`'s step (the verb's first
 * method by default) from every flag given.
 *
 * @example
 * ```ts
 * verbStep(QUANTIZE_VERB, { bits: '4', groupSize: '32' }).step;
 * // { kind: 'quantize.affine', bits: 4, granularity: { kind: 'group', size: 32 } }
 * ```
 */
export function verbStep(verb: VerbDefinition, options: VerbCommandOptions): VerbStep {
  const given = givenFlags(verb, options);
  if (options.preset !== undefined) {
    const preset = verb.presets?.includes(options.preset) === true ? findPreset(options.preset) : undefined;
    if (preset === undefined || preset.recipe.length !== 1) {
      throw new WhittleError('invalid-argument', `unknown preset ${JSON.stringify(options.preset)}; presets: ${(verb.presets ?? []).join(', ')}`, { field: '--preset' });
    }
    if (options.method !== undefined) throw new WhittleError('invalid-argument', 'pass either --method or --preset, not both', { field: '--preset' });
    const step = presetStep(preset.recipe[0]!, options.preset, given);
    checkResourceFlags(options, [], `--preset ${options.preset}`);
    checkOneStep(verb, '', step);
    return { step, method: undefined };
  }
  const method = methodOf(verb, options.method);
  const built = buildStep(verb, method, given);
  const withData = options.data !== undefined || options.calibration !== undefined;
  const step = withData && method.withData !== undefined ? method.withData(built) : built;
  checkResourceFlags(options, method.resourceFlags ?? [], `--method ${method.name}`);
  checkOneStep(verb, method.name, step);
  if (withData && !needsData(step)) checkResourceFlags(options, [], `--method ${method.name} as given`);
  return { step, method: method.name };
}

/**
 * Runs a verb's command line: prints the step as recipe JSON with `--print-recipe`, else runs it
 * exactly as `whittle compress <model> --recipe '<step>'` with the same output flags would
 * (writer, report, `--json`, `--force`, progress), and returns the report.
 *
 * @example
 * ```ts
 * await runVerb(QUANTIZE_VERB, 'model/', { bits: '4', output: 'model-q4/' }, processIo());
 * ```
 */
export async function runVerb(verb: VerbDefinition, path: string, options: VerbCommandOptions, io: CliIo): Promise<CompressReport | undefined> {
  const { step, method } = verbStep(verb, options);
  if (options.printRecipe === true) {
    io.stdout(`${JSON.stringify(step)}\n`);
    return undefined;
  }
  if (options.output === undefined) {
    throw new WhittleError('invalid-argument', 'pass -o <path>, where to write the result (or --print-recipe to see the step)', { field: '--output' });
  }
  try {
    return await runCompress(
      path,
      {
        recipe: JSON.stringify(step),
        output: options.output,
        ...(options.json === undefined ? {} : { json: options.json }),
        ...(options.force === undefined ? {} : { force: options.force }),
        ...(options.shardSize === undefined ? {} : { shardSize: options.shardSize }),
        ...(options.data === undefined ? {} : { data: options.data }),
        ...(options.calibration === undefined ? {} : { calibration: options.calibration }),
      },
      io,
    );
  } catch (error) {
    // A step error found once the model is read (a filter that selects nothing, data missing) names the flag too.
    throw isStepError(error) ? withFlagNames(error, verb, method ?? '') : error;
  }
}

/**
 * Adds a one-step verb to a commander program: `--method` (and `--preset` where the verb has
 * presets), one option per flag, the filter flags, the resource flags its methods take, the
 * output flags of `compress`, and `--print-recipe`.
 *
 * @example
 * ```ts
 * addVerbCommand(program, io, QUANTIZE_VERB);
 * ```
 */
export function addVerbCommand(program: Command, io: CliIo, verb: VerbDefinition): Command {
  const methodNames = verb.methods.map(({ name }) => name);
  const command = program
    .command(verb.name)
    .description(verb.description)
    .argument('<model>', 'a model.json, a directory holding one, or a .safetensors file')
    .addOption(new Option('--method <name>', `the ${verb.name} method (default ${methodNames[0]}; listed below)`).choices(methodNames));
  if (verb.presets !== undefined) {
    command.addOption(new Option('--preset <name>', 'a named one-step recipe (listed below)').choices(verb.presets).conflicts('method'));
  }
  for (const flag of [...verb.flags, ...FILTER_FLAGS]) for (const option of flagOptions(flag)) command.addOption(option);
  const resourceFlags = new Set(verb.methods.flatMap(({ resourceFlags }) => resourceFlags ?? []));
  if (resourceFlags.has('--calibration')) {
    command.option('--calibration <file>', 'calibration inputs (a safetensors file, as for compress) for the methods that need them');
  }
  if (resourceFlags.has('--data')) {
    const option = new Option('--data <name>', 'take calibration or training data from a dataset').choices(DATA_NAMES);
    command.addOption(resourceFlags.has('--calibration') ? option.conflicts('calibration') : option);
  }
  return command
    .option('-o, --output <path>', 'where to write: a directory for TFJS, a .safetensors file for safetensors')
    .option('--json', 'print the report as JSON')
    .option('--force', 'replace an existing output (never the input)')
    .option('--shard-size <MiB>', 'weight shard size of TFJS output, in MiB (default 4)', parseShardSize)
    .option('--print-recipe', 'print the step as recipe JSON and stop (whittle compress --recipe runs the same step)')
    .addHelpText('after', () => `\n${verbHelp(verb)}`)
    .action(async (path: string, options: VerbCommandOptions) => {
      await runVerb(verb, path, options, io);
    });
}

/**
 * The end of a verb's `--help`: each method's recipe kind (with the kind's own description from
 * `registry`) and the flags it takes, the presets, and example command lines.
 *
 * @example
 * ```ts
 * console.log(verbHelp(PRUNE_VERB));
 * ```
 */
export function verbHelp(verb: VerbDefinition, registry: RecipeRegistry = defaultRegistry): string {
  const width = Math.max(...verb.methods.map(({ name }) => name.length));
  const methods = verb.methods.flatMap(({ name, kind, resourceFlags }) => {
    const taken = verb.flags.filter((flag) => fieldOf(flag, name) !== undefined).map((flag) => flag.name);
    const description = registry.get(kind)?.description;
    const pad = ' '.repeat(width);
    return [
      `  ${name.padEnd(width)}  ${kind}${description === undefined ? '' : `: ${description}`}`,
      `  ${pad}  flags: ${taken.length === 0 ? 'none beyond the filters' : taken.join(' ')}`,
      ...(resourceFlags === undefined ? [] : [`  ${pad}  data: ${resourceFlags.join(' or ')}`]),
    ];
  });
  const presets =
    verb.presets === undefined
      ? []
      : ['', `Presets (--preset NAME, with --include/--exclude/--roles only): ${verb.presets.join(', ')}`, '  (each one\'s step is listed by whittle compress --help)'];
  return [
    `Methods (--method NAME, default ${verb.methods[0]!.name}; each makes one step of the recipe kind shown):`,
    ...methods,
    ...presets,
    '',
    'Every method takes --include, --exclude and --roles (the step\'s filter). A flag its method does',
    'not take is an error; values are checked by the step\'s own reader. --print-recipe prints the',
    'step, which whittle compress --recipe runs with byte-identical output.',
    '',
    'Examples:',
    ...verb.examples.map((line) => `  ${line}`),
  ].join('\n');
}

/** Commander's options for a flag: the flag itself and, for a negatable switch, its `--no-` form. */
function flagOptions(flag: VerbFlag): Option[] {
  if (flag.value === 'switch') {
    const options = [new Option(flag.name, flag.description)];
    if (flag.negatable === true) options.push(new Option(`--no-${flag.name.slice(2)}`, `the opposite of ${flag.name}`));
    return options;
  }
  const option = new Option(`${flag.name} ${flag.placeholder ?? '<value>'}`, flag.description);
  if (flag.value === 'list') option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  return [option];
}

/** The flags of `verb` (and the filter flags) given on the command line, in flag order. */
function givenFlags(verb: VerbDefinition, options: VerbCommandOptions): GivenFlags {
  const given = new Map<VerbFlag, string | boolean | readonly string[]>();
  for (const flag of [...verb.flags, ...FILTER_FLAGS]) {
    const value = options[new Option(flag.name).attributeName()];
    if (typeof value === 'string' || typeof value === 'boolean' || Array.isArray(value)) given.set(flag, value as string | boolean | readonly string[]);
  }
  return given;
}

/** `--data` and `--calibration` only where the step needs them: elsewhere they would be ignored silently. */
function checkResourceFlags(options: VerbCommandOptions, taken: readonly string[], what: string): void {
  for (const [flag, value] of [['--data', options.data], ['--calibration', options.calibration]] as const) {
    if (value !== undefined && !taken.includes(flag)) {
      throw new WhittleError('invalid-argument', `does not apply to ${what}, which needs no data`, { field: flag });
    }
  }
}

/** Whether the registered handler of a (valid) step asks for a resource: data a flag would be given for. */
function needsData(step: RecipeStep): boolean {
  const handler = defaultRegistry.get(step.kind);
  if (handler?.needs === undefined) return false;
  return handler.needs(handler.validate(step, { step: 1 })).length > 0;
}

/** An error of the one step, from the recipe written inline or from the step's resources. */
function isStepError(error: unknown): boolean {
  return error instanceof WhittleError && error.step !== undefined && (error.file === INLINE_RECIPE || error.file === undefined);
}
