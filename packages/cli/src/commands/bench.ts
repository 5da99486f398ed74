import type { MachineInfo, ResultRow } from '@whittle/bench';
import { Option, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { formatBenchReport } from '../format/bench-report.ts';
import { loadBench, type BenchModule } from '../load-bench.ts';
import { createProgressReporter } from '../progress/progress-reporter.ts';
import { CLI_BACKENDS, parseBackendList, type CliBackend } from './backend-option.ts';

/** Options of `whittle bench`. */
export interface BenchCommandOptions {
  readonly suite: string;
  readonly backend?: readonly CliBackend[];
  readonly quick?: boolean;
  readonly json?: boolean;
}

/** What `whittle bench` prints: the figures, the machine they were measured on, and how. */
export interface BenchReport {
  /** The command line that reproduces the run. */
  readonly command: string;
  readonly machine: MachineInfo;
  readonly rows: readonly ResultRow[];
  /** What the suite says beside its figures (how cases ran, what a bound is, the load). */
  readonly notes?: readonly string[];
}

/**
 * Runs a benchmark suite and prints its report (a table, or JSON with `json`); progress goes to
 * stderr so stdout stays clean.
 *
 * @example
 * ```ts
 * const report = await runBench({ suite: 'backends', quick: true }, processIo());
 * ```
 */
export async function runBench(options: BenchCommandOptions, io: CliIo): Promise<BenchReport> {
  const { findSuite, machineInfo } = await loadBench('bench');
  const suite = findSuite(options.suite);
  const progress = createProgressReporter(io, { prefix: 'bench' });
  // Without --backend each suite runs on its own default backends.
  const result = await suite.run({
    quick: options.quick === true,
    ...(options.backend === undefined ? {} : { backends: options.backend }),
    onProgress: (message) => progress.note(message),
  });
  const report: BenchReport = {
    command: ['whittle bench', `--suite ${suite.name}`]
      .concat(options.backend === undefined ? [] : [`--backend ${options.backend.join(',')}`])
      .concat(options.quick === true ? ['--quick'] : [])
      .join(' '),
    machine: await machineInfo(result.backends),
    rows: result.rows,
    ...(result.notes === undefined ? {} : { notes: result.notes }),
  };
  io.stdout(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatBenchReport(report)}\n`);
  return report;
}

/** Adds `whittle bench` to a commander program. */
export function addBenchCommand(program: Command, io: CliIo): void {
  program
    .command('bench')
    .description('run a benchmark suite and print its figures with the machine they ran on')
    .addOption(new Option('--suite <name>', 'the suite to run').makeOptionMandatory())
    .addOption(
      new Option(
        '--backend <names>',
        `comma-separated tfjs backends (${CLI_BACKENDS.join(', ')}); default: each suite's own`,
      ).argParser(parseBackendList),
    )
    .option('--quick', 'smaller sizes and fewer runs: a smoke test, not figures to publish')
    .option('--json', 'print the report as JSON')
    .action(async (options: BenchCommandOptions) => {
      await runBench(options, io);
    });
  // The suites come from the optional @whittle/bench, loaded only when `bench` is what runs;
  // commander calls this before the subcommand reads its arguments (or prints its help).
  program.hook('preSubcommand', async (_program, subcommand) => {
    if (subcommand.name() === 'bench') describeSuites(subcommand, (await loadBench('bench')).SUITES);
  });
}

/** Adds the suite names to `--suite` (as its choices) and each suite's default backends to `--backend`. */
function describeSuites(command: Command, suites: BenchModule['SUITES']): void {
  for (const option of command.options) {
    if (option.long === '--suite') option.choices(suites.map(({ name }) => name));
    if (option.long === '--backend') {
      option.description += ` (${suites.map((suite) => `${suite.name}: ${suite.defaultBackends.join(',')}`).join('; ')})`;
    }
  }
}
