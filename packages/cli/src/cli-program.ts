import { Command, Option } from 'commander';
import { version } from '../package.json';
import type { CliIo } from './cli-io.ts';
import { addHelpExamples } from './commands/help-examples.ts';

/**
 * One `whittle` command: how the program's help lists it, and the module that adds it in full.
 * A command's module reaches tfjs and the technique packages, whose loading alone costs several
 * times what `whittle --version` otherwise does, so a module is loaded only when its command runs.
 */
interface CommandEntry {
  readonly name: string;
  /** Its line in the program's help, as the full command describes itself. */
  readonly description: string;
  /** Its arguments, as `<model>`. */
  readonly arguments: readonly string[];
  /** Adds the full command to `program`. */
  readonly load: () => Promise<(program: Command, io: CliIo) => void>;
  /** Runs recipes: needs the technique packages' recipe kinds registered. */
  readonly runsRecipes: boolean;
}

/** The commands, in the order the program's help lists them. */
const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'inspect',
    description: "list a model's params: role, shape, encoding, params, bytes and bits per weight, with totals",
    arguments: ['<model>'],
    load: async () => (await import('./commands/inspect.ts')).addInspectCommand,
    runsRecipes: false,
  },
  {
    name: 'profile',
    description: "where a model spends its params, bytes, FLOPs (multiply-adds), activation memory and time, layer by layer",
    arguments: ['<model>'],
    load: async () => (await import('./commands/profile.ts')).addProfileCommand,
    runsRecipes: false,
  },
  {
    name: 'search',
    description: 'find the recipe that meets a size, latency or accuracy budget with the least loss, per layer',
    arguments: ['<model>'],
    load: async () => (await import('./commands/search.ts')).addSearchCommand,
    runsRecipes: true,
  },
  {
    name: 'compress',
    description: 'run a recipe or a preset on a TFJS model or safetensors file and write the result',
    arguments: ['<model>'],
    load: async () => (await import('./commands/compress.ts')).addCompressCommand,
    runsRecipes: true,
  },
  {
    name: 'quantize',
    description: 'quantize weights with one quantize step built from flags (or a preset) and write the result',
    arguments: ['<model>'],
    load: async () => (await import('./commands/quantize.ts')).addQuantizeCommand,
    runsRecipes: true,
  },
  {
    name: 'prune',
    description: 'prune weights with one prune step built from flags and write the result',
    arguments: ['<model>'],
    load: async () => (await import('./commands/prune.ts')).addPruneCommand,
    runsRecipes: true,
  },
  {
    name: 'lowrank',
    description: 'factorize weights into low-rank pairs with one lowrank step built from flags and write the result',
    arguments: ['<model>'],
    load: async () => (await import('./commands/lowrank.ts')).addLowrankCommand,
    runsRecipes: true,
  },
  {
    name: 'eval',
    description: "a classifier's top-1 accuracy and mean cross-entropy loss on MNIST's held-out digits or a labelled data file",
    arguments: ['<model>'],
    load: async () => (await import('./commands/eval.ts')).addEvalCommand,
    runsRecipes: false,
  },
  {
    name: 'decompress',
    description: 'write any whittle output back as a stock model that plain tfjs (or any safetensors reader) loads',
    arguments: ['<model>'],
    load: async () => (await import('./commands/decompress.ts')).addDecompressCommand,
    runsRecipes: true,
  },
  {
    name: 'verify',
    description: 'run a model and its compressed version on the same inputs (ONNX in onnxruntime, TFJS in tfjs); report cosine, max abs error and top-1 agreement per output',
    arguments: ['<model>', '<compressed>'],
    load: async () => (await import('./commands/verify.ts')).addVerifyCommand,
    runsRecipes: false,
  },
  {
    name: 'distill',
    description: 'train a smaller student built from a TFJS model (the teacher) to match it, and write the student',
    arguments: ['<teacher>'],
    load: async () => (await import('./commands/distill.ts')).addDistillCommand,
    runsRecipes: true,
  },
  {
    name: 'demo',
    description: 'train LeNet-300-100 and LeNet-5 on MNIST digits, compress them every way (Deep Compression included), save, reload and compare',
    arguments: [],
    load: async () => (await import('./commands/demo.ts')).addDemoCommand,
    runsRecipes: true,
  },
  {
    name: 'bench',
    description: 'run a benchmark suite and print its figures with the machine they ran on',
    arguments: [],
    load: async () => (await import('./commands/bench.ts')).addBenchCommand,
    runsRecipes: true,
  },
];

/** Every command's name, in help order. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(({ name }) => name);

/**
 * The command `argv` runs, or asks help for (`whittle help compress`), when it names one: the
 * first word that is not an option, since every option of the program itself is a flag.
 *
 * @example
 * ```ts
 * commandNamed(['--quiet', 'compress', 'model/', '-o', 'small/']); // 'compress'
 * commandNamed(['--version']); // undefined
 * ```
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  const words = argv.filter((word) => !word.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  return word !== undefined && COMMAND_NAMES.includes(word) ? word : undefined;
}

/** Settings of a {@link createProgram} run. */
export interface ProgramSettings {
  /** Whether progress is silenced (`--quiet`), set once the command line is parsed. */
  quiet: boolean;
}

/**
 * The `whittle` program with the commands in `load` added in full, the rest only as their line
 * in the program's help (enough for `--help`, `--version` and suggestions for a mistyped name).
 * Loading a command that runs recipes registers the technique packages' recipe kinds, and every
 * loaded command turns on tfjs's production mode, which only silences tfjs's console advice.
 *
 * @example
 * ```ts
 * const program = await createProgram(io, new Set([commandNamed(argv)]));
 * await program.parseAsync([...argv], { from: 'user' });
 * ```
 */
export async function createProgram(io: CliIo, load: ReadonlySet<string | undefined>): Promise<Command> {
  const loaded = COMMANDS.filter(({ name }) => load.has(name));
  if (loaded.length > 0) await prepareRuntime(loaded.some(({ runsRecipes }) => runsRecipes));
  const adders = await Promise.all(loaded.map((entry) => entry.load()));
  // Commands are built before the command line is parsed; they read --quiet through this io.
  const settings: ProgramSettings = { quiet: false };
  const commandIo: CliIo = {
    stdout: io.stdout,
    stderr: io.stderr,
    ...(io.terminal === undefined ? {} : { terminal: io.terminal }),
    get progress() {
      return io.progress !== false && !settings.quiet;
    },
  };
  const program = new Command('whittle')
    .description('Make TensorFlow.js models parameter-efficient: compress, measure and compare them.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print help')
    .option('--debug', 'print stack traces of errors and of their causes')
    .option('-q, --quiet', 'print no progress on stderr (errors are still printed)')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (message, write) => write(`whittle: ${oneLine(message)}\n`),
    })
    .showSuggestionAfterError(true)
    .hook('preAction', (_program, action) => {
      settings.quiet = action.optsWithGlobals<{ quiet?: boolean }>().quiet === true;
    });
  // Subcommands made with `program.command` inherit the output and exit settings above.
  for (const entry of COMMANDS) {
    const index = loaded.indexOf(entry);
    if (index >= 0) adders[index]!(program, commandIo);
    else addOutline(program, entry);
  }
  addHelpExamples(program);
  return program;
}

/**
 * A command not loaded, as the program's help lists it. Every whittle command has options, which
 * commander shows as `[options]` when a command has any: one hidden option stands for them. It is
 * never run: {@link commandNamed} loads any command a command line names.
 */
function addOutline(program: Command, entry: CommandEntry): void {
  const command = program.command(entry.name).description(entry.description);
  for (const argument of entry.arguments) command.argument(argument);
  command.addOption(new Option('--options').hideHelp());
  command.action(() => {
    throw new Error(`the ${entry.name} command was not loaded`);
  });
}

async function prepareRuntime(runsRecipes: boolean): Promise<void> {
  // tfjs prints advice to stderr (in Node, to install tfjs-node when the cpu backend first runs);
  // the CLI's stderr is for errors. Production mode only gates tfjs's console output.
  const tf = await import('@tensorflow/tfjs-core');
  tf.enableProdMode();
  // Side effect: registers each technique's recipe kinds in core's default registry, so
  // `whittle compress` runs them (the library entry registers them when it loads).
  if (runsRecipes) {
    await Promise.all([
      import('@whittle/quantize/register'),
      import('@whittle/prune/register'),
      import('@whittle/lowrank/register'),
      import('@whittle/distill/register'),
      import('@whittle/onnx/register'),
    ]);
  }
}

/**
 * Commander's messages start with `error: ` and may put a suggestion on a second line.
 *
 * @example
 * ```ts
 * oneLine("error: unknown command 'demoo'\n(Did you mean demo?)"); // "unknown command 'demoo' (Did you mean demo?)"
 * ```
 */
export function oneLine(message: string): string {
  return message
    .trim()
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*/g, ' ');
}
