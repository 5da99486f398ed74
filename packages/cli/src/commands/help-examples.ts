import type { Command } from 'commander';

/**
 * Example command lines shown at the end of each command's `--help`, by command name. Every
 * command has some: they are the quickest way to learn a command. (`compress` lists its own,
 * with its presets and recipe kinds.)
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  whittle: [
    'whittle inspect model/model.json',
    'whittle compress model/ --preset int8 -o model-int8/',
    'whittle compress --help            # presets and every recipe kind',
    'whittle demo',
  ],
  inspect: ['whittle inspect model/model.json', 'whittle inspect model.safetensors --json > params.json'],
  decompress: [
    'whittle decompress model-int8/ -o model-plain/',
    'whittle decompress model-k4.safetensors -o model-f16.safetensors --dtype float16',
  ],
  demo: ['whittle demo', 'whittle demo --model lenet-300-100 --quick', 'whittle demo --out whittle-demo/ --json > demo.json   # keeps the models and report.html'],
  bench: ['whittle bench --suite backends --quick', 'whittle bench --suite formats --backend cpu --json > formats.json'],
};

/**
 * Adds the {@link HELP_EXAMPLES} of `program` and of each of its subcommands to their help.
 *
 * @example
 * ```ts
 * addHelpExamples(program); // `whittle demo --help` now ends with "Examples:" and command lines
 * ```
 */
export function addHelpExamples(program: Command): void {
  for (const command of [program, ...program.commands]) {
    const examples = HELP_EXAMPLES[command.name()];
    if (examples === undefined) continue;
    command.addHelpText('after', ['', 'Examples:', ...examples.map((line) => `  ${line}`)].join('\n'));
  }
}
