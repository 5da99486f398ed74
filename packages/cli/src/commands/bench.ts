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
  /** A directory for the charts a suite gives (each model's profile as SVG); none are written without it. */
  readonly out?: string;
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
  if (options.out !== undefined && result.profiles !== undefined) await writeProfileCharts(options.out, result.profiles, progress);
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
    .option('--out <dir>', "write the charts a suite gives (the search suite's model profiles) as SVG files in this directory")
    .action(async (options: BenchCommandOptions) => {
      await runBench(options, io);
    });
  // The suites come from the optional @whittle/bench, loaded only when `bench` is what runs;
  // commander calls this before the subcommand reads its arguments (or prints its help).
  program.hook('preSubcommand', async (_program, subcommand) => {
    if (subcommand.name() === 'bench') describeSuites(subcommand, (await loadBench('bench')).SUITES);
  });
}

/** Each profile as `<out>/<name>-profile.svg` (the name's runs of other characters become `-`). */
async function writeProfileCharts(
  out: string,
  profiles: NonNullable<Awaited<ReturnType<BenchModule['SUITES'][number]['run']>>['profiles']>,
  progress: { note(message: string): void },
): Promise<void> {
  const [{ mkdir }, { join }, { writeFileAtomic }, { renderVegaLiteSvg }, { profileChartSpec }] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('@whittle/core/fs'),
    import('../charts/render-svg.ts'),
    import('../charts/profile-chart.ts'),
  ]);
  await mkdir(out, { recursive: true });
  for (const { name, profile } of profiles) {
    const path = join(out, `${name.replace(/[^A-Za-z0-9]+/gu, '-').replace(/^-|-$/gu, '')}-profile.svg`);
    await writeFileAtomic(path, new TextEncoder().encode(await renderVegaLiteSvg(profileChartSpec(profile, name))), { force: true });
    progress.note(`wrote ${path}`);
  }
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
