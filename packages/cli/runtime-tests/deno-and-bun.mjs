// The `deno run …` and `bun …` command lines the READMEs show run as written: with exactly the
// documented permission flags, in a directory holding the model file they name
// (models/model.safetensors).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeBlocks } from './readme-examples.mjs';
import { assert, inTemporaryDirectory, installedBinary, packageRoot, repositoryRoot, runProgram, test, writeSafetensorsFixture } from './harness.mjs';

const DOCUMENTED_BIN = 'packages/cli/bin/whittle.js';

/** Splits a command line into words the way a POSIX shell does for plain and single-quoted words. */
function shellWords(line) {
  const words = [];
  for (const match of line.matchAll(/'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2]);
  return words;
}

function documentedCommands(readme) {
  const markdown = readFileSync(join(repositoryRoot, readme), 'utf8');
  return codeBlocks(markdown)
    .filter((block) => block.language === 'sh')
    .flatMap((block) => block.code.split('\n'))
    .map((line) => line.trim().replace(/\s+#.*$/, ''))
    .filter((line) => /^(deno|bun) /.test(line));
}

for (const readme of ['README.md', 'packages/cli/README.md']) {
  for (const line of documentedCommands(readme)) {
    test(`${readme}: ${line}`, async () => {
      const [runtime, ...args] = shellWords(line);
      assert(args.includes(DOCUMENTED_BIN), `the command runs ${DOCUMENTED_BIN}`);
      await inTemporaryDirectory((directory) => {
        mkdirSync(join(directory, 'models'));
        writeSafetensorsFixture(join(directory, 'models', 'model.safetensors'));
        const resolved = args.map((word) => (word === DOCUMENTED_BIN ? join(packageRoot, 'bin', 'whittle.js') : word));
        const result = runProgram(installedBinary(runtime), resolved, { cwd: directory, env: { ...process.env, NO_COLOR: '1' } });
        assert(result.status === 0, `exit status ${result.status}:\n${result.stderr}`);
        assert(result.stdout.length > 0, 'it printed its report');
        const output = args[args.indexOf('-o') + 1];
        if (args.includes('-o')) assert(existsSync(join(directory, output)), `${output} was written`);
      });
    });
  }
}

// The control: without write permission Deno refuses the output, and the error says why.
test('deno: compress without --allow-write fails and names the permission', async () => {
  await inTemporaryDirectory((directory) => {
    mkdirSync(join(directory, 'models'));
    writeSafetensorsFixture(join(directory, 'models', 'model.safetensors'));
    const args = ['run', '--allow-read', '--allow-env', '--allow-sys', join(packageRoot, 'bin', 'whittle.js')];
    const recipe = '[{"kind":"cast","dtype":"float16"}]';
    const result = runProgram(installedBinary('deno'), [...args, 'compress', 'models/model.safetensors', '--recipe', recipe, '-o', 'out/model.safetensors'], {
      cwd: directory,
    });
    assert(result.status === 1, `exit status ${result.status}`);
    assert(/^whittle: .*write/m.test(result.stderr), `stderr: ${result.stderr}`);
  });
});
