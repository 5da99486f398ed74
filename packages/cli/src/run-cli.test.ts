import { describe, expect, test } from 'vitest';
import { version } from '../package.json';
import { runCli, USAGE_ERROR } from './run-cli.ts';
import { recordingIo } from './test-io.ts';

async function run(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = recordingIo();
  const status = await runCli(argv, io);
  return { status, out: io.out(), err: io.err() };
}

/** One line on stderr, starting `whittle: `, and no stack frames. */
function expectOneLineError(err: string, pattern: RegExp): void {
  expect(err.endsWith('\n')).toBe(true);
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  expect(err).toMatch(/^whittle: /);
  expect(err).toMatch(pattern);
  expect(err).not.toMatch(/\n\s+at /);
}

test('--version prints the package version', async () => {
  expect(await run('--version')).toEqual({ status: 0, out: `${version}\n`, err: '' });
});

test('--help lists the commands on stdout', async () => {
  const { status, out } = await run('--help');
  expect(status).toBe(0);
  for (const command of ['inspect', 'compress', 'decompress', 'demo', 'bench']) expect(out).toMatch(new RegExp(`^  ${command} `, 'm'));
});

test("every command's help, and the program's, ends with examples of its own command lines", async () => {
  for (const command of [[], ['inspect'], ['compress'], ['decompress'], ['demo'], ['bench']]) {
    const { status, out } = await run(...command, '--help');
    expect(status).toBe(0);
    const examples = out.slice(out.lastIndexOf('\nExamples:\n'));
    expect(examples, command.join(' ')).toMatch(/^\nExamples:\n/);
    const lines = examples.trim().split('\n').slice(1);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(new RegExp(`^  whittle ${command[0] ?? '[a-z]+'}\\b`));
  }
});

test('--quiet and --debug are accepted before or after the command', async () => {
  for (const argv of [['--quiet', 'inspect', 'missing'], ['inspect', 'missing', '--quiet', '--debug']]) {
    const { status, err } = await run(...argv);
    expect(status).toBe(1);
    expect(err).toMatch(/^whittle: missing: cannot open the model/);
  }
});

describe('usage errors: one line on stderr, status 2', () => {
  test.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['demoo'], /unknown command 'demoo' \(Did you mean demo\?\)/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['demo', '--jsn'], /unknown option '--jsn' \(Did you mean --json\?\)/],
    [['demo', '--backend', 'gpu'], /argument 'gpu' is invalid\. Allowed choices are wasm, cpu/],
    [['demo', 'extra'], /too many arguments/],
    [['bench'], /required option '--suite <name>' not specified/],
    [['bench', '--suite', 'nonesuch'], /argument 'nonesuch' is invalid\. Allowed choices are backends, distillation, formats/],
    [['inspect'], /missing required argument 'model'/],
    [['decompress', 'model.json'], /required option '-o, --output <path>' not specified/],
    [['bench', '--suite', 'backends', '--backend', 'wasm,gpu'], /unknown backend "gpu"/],
    [['bench', '--suite', 'backends', '--backend'], /argument missing/],
  ])('%j', async (argv, pattern) => {
    const { status, out, err } = await run(...argv);
    expect(status).toBe(USAGE_ERROR);
    expect(out).toBe('');
    expectOneLineError(err, pattern);
  });
});

test('no command prints help to stderr and fails', async () => {
  const { status, err } = await run();
  expect(status).not.toBe(0);
  expect(err).toMatch(/Usage: whittle/);
});
