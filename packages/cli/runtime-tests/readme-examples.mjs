// Every ```ts and ```js block in the root README and in packages/*/README.md runs as written,
// under Node, against the built packages, each in its own temporary directory. Files a README's
// examples read are made by that README's fixture below. A block may be left out only by a first
// line `// not run: <reason>`, which readers see too.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { transform } from 'esbuild';
import { assert, inTemporaryDirectory, repositoryRoot, runProgram, test, writeSafetensorsFixture } from './harness.mjs';

const RUNNABLE = new Set(['ts', 'typescript', 'js', 'javascript']);
const NOT_RUN = /^\/\/ not run: \S/;

/** The fenced code blocks of a markdown file, with their language and first line number. */
export function codeBlocks(markdown) {
  const blocks = [];
  let open;
  markdown.split('\n').forEach((line, index) => {
    // A block inside a list item is indented like the item's text.
    const fence = /^( *)```(\S*)\s*$/.exec(line);
    if (open === undefined && fence !== null) open = { indent: fence[1].length, language: fence[2], line: index + 2, lines: [] };
    else if (open !== undefined && fence !== null) {
      blocks.push({ language: open.language, line: open.line, code: open.lines.join('\n') });
      open = undefined;
    } else open?.lines.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
  });
  assert(open === undefined, `a code block opened on line ${open?.line - 1} is never closed`);
  return blocks;
}

// A LayersModel with a Dense kernel, written stock (float32) and compressed (int4 groups), for
// the examples that read model directories.
async function writeModelDirectories(directory) {
  const { writeTfjsModelFiles } = await import('@whittle/core/fs');
  const { compress, hostTensor, modelFromTensors } = await import('@whittle/core');
  const { int4 } = await import('@whittle/quantize');
  await import('@whittle/quantize/register');
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [{ class_name: 'Dense', config: { name: 'dense', units: 8, activation: 'relu', use_bias: true, batch_input_shape: [null, 64] } }],
    },
  };
  const model = modelFromTensors(
    {
      'dense/kernel': hostTensor('float32', [64, 8], Float32Array.from({ length: 512 }, (_, index) => Math.sin(index))),
      'dense/bias': hostTensor('float32', [8], new Float32Array(8)),
    },
    { topology },
  );
  await writeTfjsModelFiles(model, join(directory, 'mobilenet'));
  const { model: compressed } = await compress(model, [int4({ groupSize: 32 })]);
  await writeTfjsModelFiles(compressed, join(directory, 'compressed'));
}

/** Files each README's examples read, by README path. */
const FIXTURES = {
  'packages/core/README.md': async (directory) => {
    await writeModelDirectories(directory);
    mkdirSync(join(directory, 'checkpoints'));
    writeSafetensorsFixture(join(directory, 'checkpoints', 'model.safetensors'));
  },
};

function readmePaths() {
  const packages = readdirSync(join(repositoryRoot, 'packages')).map((name) => join('packages', name, 'README.md'));
  return ['README.md', ...packages.filter((path) => existsSync(join(repositoryRoot, path)))];
}

for (const readme of readmePaths()) {
  const blocks = codeBlocks(readFileSync(join(repositoryRoot, readme), 'utf8')).filter((block) => RUNNABLE.has(block.language));
  for (const block of blocks) {
    const name = `${readme}:${block.line}: the example runs`;
    if (NOT_RUN.test(block.code)) {
      test(`${readme}:${block.line}: not run (${block.code.split('\n')[0].slice(3)})`, () => {});
      continue;
    }
    test(name, async () => {
      const { code } = await transform(block.code, { loader: block.language.startsWith('t') ? 'ts' : 'js', format: 'esm' });
      await inTemporaryDirectory(async (directory) => {
        // Packages resolve from the repository's install, as from a project that installed them.
        symlinkSync(join(repositoryRoot, 'node_modules'), join(directory, 'node_modules'), 'dir');
        writeFileSync(join(directory, 'package.json'), '{ "type": "module" }\n');
        await FIXTURES[readme]?.(directory);
        writeFileSync(join(directory, 'example.mjs'), code);
        const result = runProgram(process.execPath, ['example.mjs'], { cwd: directory });
        assert(result.status === 0, `exit status ${result.status}:\n${result.stderr}`);
        if (process.env.WHITTLE_SHOW_EXAMPLE_OUTPUT) process.stdout.write(result.stdout);
      });
    });
  }
}

// The TypeScript blocks also typecheck, as a user's strict `nodenext` project would check them.
test('the TypeScript examples typecheck (strict, nodenext)', async () => {
  await inTemporaryDirectory((directory) => {
    symlinkSync(join(repositoryRoot, 'node_modules'), join(directory, 'node_modules'), 'dir');
    writeFileSync(join(directory, 'package.json'), '{ "type": "module" }\n');
    const files = [];
    for (const readme of readmePaths()) {
      const blocks = codeBlocks(readFileSync(join(repositoryRoot, readme), 'utf8'));
      for (const block of blocks.filter(({ language, code }) => language.startsWith('t') && RUNNABLE.has(language) && !NOT_RUN.test(code))) {
        const file = `${readme.replaceAll('/', '-').replace(/\.md$/, '')}-${block.line}.ts`;
        writeFileSync(join(directory, file), block.code);
        files.push({ file, name: `${readme}:${block.line}` });
      }
    }
    assert(files.length > 0, 'there are TypeScript examples');
    const compilerOptions = {
      strict: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2023'],
      types: ['node'],
      noEmit: true,
      skipLibCheck: true,
    };
    writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: files.map(({ file }) => file) }));
    const result = runProgram(process.execPath, [join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', directory]);
    let report = result.stdout;
    for (const { file, name } of files) report = report.replaceAll(file, name);
    assert(result.status === 0, `tsc exit status ${result.status}:\n${report}${result.stderr}`);
  });
});

// The JSON blocks are recipes: each one passes the same checks `compress` and the CLI run first.
test('the JSON recipes in the READMEs are valid', async () => {
  const { parseRecipe, validateRecipe } = await import('@whittle/core');
  await import('@whittle/quantize/register');
  await import('@whittle/prune/register');
  let recipes = 0;
  for (const readme of readmePaths()) {
    for (const block of codeBlocks(readFileSync(join(repositoryRoot, readme), 'utf8')).filter(({ language }) => language === 'json')) {
      validateRecipe(parseRecipe(block.code, `${readme}:${block.line}`));
      recipes++;
    }
  }
  assert(recipes > 0, 'the READMEs show JSON recipes');
});

// The root README's command lines (the sh block that runs `npx whittle`) run as written, in
// order, from a directory laid out like the repository root: its examples/ and node_modules.
test('the README command lines run as written, on the example models', async () => {
  const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
  const block = codeBlocks(readme).find(({ language, code }) => language === 'sh' && code.includes('npx whittle inspect'));
  assert(block !== undefined, 'the README shows whittle command lines');
  const lines = block.code.split('\n').filter((line) => line.trim() !== '');
  await inTemporaryDirectory((directory) => {
    symlinkSync(join(repositoryRoot, 'node_modules'), join(directory, 'node_modules'), 'dir');
    cpSync(join(repositoryRoot, 'examples'), join(directory, 'examples'), { recursive: true });
    for (const line of lines) {
      const result = runProgram('bash', ['-c', line], { cwd: directory, env: { ...process.env, npm_config_yes: 'false' } });
      assert(result.status === 0, `README.md:${block.line}: ${line}\nexit status ${result.status}: ${result.stderr}`);
    }
    const report = JSON.parse(
      runProgram('bash', ['-c', 'npx whittle inspect out/mlp-u8/ --json'], { cwd: directory, env: { ...process.env, npm_config_yes: 'false' } }).stdout,
    );
    assert(report.params === 50890, `the round trip keeps every param: ${report.params}`);
  });
});
