import fc from 'fast-check';
import { expect, test } from 'vitest';
import { COMMAND_NAMES, commandNamed, createProgram } from './cli-program.ts';
import { recordingIo } from './test-io.ts';

test("the program's help lists the commands not loaded exactly as the loaded commands describe themselves", async () => {
  const io = recordingIo();
  const outlines = await createProgram(io, new Set());
  const full = await createProgram(io, new Set(COMMAND_NAMES));
  expect(outlines.helpInformation()).toBe(full.helpInformation());
  for (const name of COMMAND_NAMES) {
    const one = await createProgram(io, new Set([name]));
    expect(one.helpInformation(), name).toBe(full.helpInformation());
  }
});

test('the command a command line runs or asks help for is the one loaded', () => {
  expect(commandNamed(['inspect', 'model.safetensors'])).toBe('inspect');
  expect(commandNamed(['--quiet', '--debug', 'compress', 'in', '-o', 'out'])).toBe('compress');
  expect(commandNamed(['-q', 'help', 'decompress'])).toBe('decompress');
  expect(commandNamed(['demo', '--help'])).toBe('demo');
  expect(commandNamed(['--version'])).toBeUndefined();
  expect(commandNamed(['--help'])).toBeUndefined();
  expect(commandNamed(['help'])).toBeUndefined();
  expect(commandNamed([])).toBeUndefined();
  expect(commandNamed(['demoo'])).toBeUndefined();
});

test('whatever flags come first, a command named first among the words is the one loaded', () => {
  const flag = fc.constantFrom('--quiet', '-q', '--debug', '-h', '--help', '-V', '--version');
  fc.assert(
    fc.property(fc.array(flag, { maxLength: 4 }), fc.constantFrom(...COMMAND_NAMES), fc.array(fc.string(), { maxLength: 3 }), (flags, name, rest) => {
      expect(commandNamed([...flags, name, ...rest])).toBe(name);
    }),
  );
});
