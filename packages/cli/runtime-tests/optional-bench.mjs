// @whittle/bench (with mnist and tfjs-layers) is an optional peer: inspect, compress and
// decompress must never load it, demo and bench must name it when it is missing, and a bundle of
// the CLI must build without it.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import {
  assert,
  inTemporaryDirectory,
  packageRoot,
  readSafetensorsHeader,
  runProgram,
  test,
  writeSafetensorsFixture,
} from './harness.mjs';

const bin = join(packageRoot, 'bin', 'whittle.js');
const withoutBench = (args, options = {}) =>
  runProgram(process.execPath, ['--import', join(packageRoot, 'runtime-tests', 'absent-bench.mjs'), bin, ...args], options);
const MISSING_LINE = /^whittle: `whittle (demo|bench)` needs the @whittle\/bench package: install it with `npm i @whittle\/bench`\n$/;

/** Runs inspect, compress and decompress on a fixture through `runWhittle`, checking each. */
function inspectCompressDecompress(directory, runWhittle) {
  mkdirSync(join(directory, 'in'));
  const input = join(directory, 'in', 'model.safetensors');
  const { params } = writeSafetensorsFixture(input);
  const inspected = runWhittle(['inspect', input, '--json']);
  assert(inspected.status === 0, `inspect: exit status ${inspected.status}: ${inspected.stderr}`);
  assert(JSON.parse(inspected.stdout).params === params, `inspect: ${inspected.stdout}`);
  const output = join(directory, 'out', 'model.safetensors');
  const compressed = runWhittle(['compress', input, '--recipe', '[{"kind":"quantize.affine","bits":8,"granularity":{"kind":"axis"}}]', '-o', output]);
  assert(compressed.status === 0, `compress: exit status ${compressed.status}: ${compressed.stderr}`);
  assert(readSafetensorsHeader(readFileSync(output))['dense/kernel#codes'] !== undefined, 'compress: the kernel is stored as codes');
  const restored = runWhittle(['decompress', output, '-o', join(directory, 'plain', 'model.safetensors')]);
  assert(restored.status === 0, `decompress: exit status ${restored.status}: ${restored.stderr}`);
}

test('inspect, compress and decompress run with @whittle/bench, mnist and tfjs-layers unloadable', async () => {
  await inTemporaryDirectory((directory) => inspectCompressDecompress(directory, withoutBench));
});

test('without @whittle/bench, demo and bench fail with one line naming it', () => {
  for (const args of [['demo'], ['bench', '--suite', 'backends', '--quick'], ['bench', '--help']]) {
    const result = withoutBench(args);
    assert(result.status === 1, `${args.join(' ')}: exit status ${result.status}`);
    assert(MISSING_LINE.test(result.stderr), `${args.join(' ')}: stderr ${JSON.stringify(result.stderr)}`);
  }
  // Help that needs no suite list still works.
  const help = withoutBench(['demo', '--help']);
  assert(help.status === 0 && help.stdout.includes('Usage: whittle demo'), `demo --help: ${help.stderr}`);
});

test('esbuild bundles the CLI without @whittle/bench, and the bundle runs', async () => {
  await inTemporaryDirectory(async (directory) => {
    const outfile = join(directory, 'whittle.mjs');
    const absent = {
      name: 'absent-optional-packages',
      setup(builder) {
        builder.onResolve({ filter: /^(@whittle\/bench|mnist|@tensorflow\/tfjs-layers)(\/|$)/ }, (args) => ({
          errors: [{ text: `${args.path} is not installed` }],
        }));
      },
    };
    await build({
      entryPoints: [join(packageRoot, 'dist', 'bin.js')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'silent',
      plugins: [absent],
      // tfjs's Node builds are CommonJS and require Node built-ins.
      banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module'; const require = createRequireOfBundle(import.meta.url);" },
    });
    const bundled = (args) => runProgram(process.execPath, [outfile, ...args], { cwd: directory });
    inspectCompressDecompress(directory, bundled);
    const demo = bundled(['demo']);
    assert(demo.status === 1 && MISSING_LINE.test(demo.stderr), `bundled demo: ${demo.status} ${JSON.stringify(demo.stderr)}`);
  });
});
