// The command is where the README says it is: `npx whittle` from the repository root after
// `npm install` and `npm run build`, through the bin link npm made at install time.
import { copyFileSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  assert,
  inTemporaryDirectory,
  packageRoot,
  readSafetensorsHeader,
  repositoryRoot,
  runProgram,
  test,
  writeSafetensorsFixture,
} from './harness.mjs';

const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
// Exactly the README's `npx whittle …`; `npm_config_yes=false` keeps npx from fetching the
// unrelated registry package of that name when the local link is missing.
const npx = (args) =>
  runProgram('npx', ['whittle', ...args], { cwd: repositoryRoot, env: { ...process.env, npm_config_yes: 'false' } });

test('node_modules/.bin/whittle is the committed bin file', () => {
  const linked = realpathSync(join(repositoryRoot, 'node_modules', '.bin', 'whittle'));
  assert(linked === realpathSync(join(packageRoot, 'bin', 'whittle.js')), `the link points to ${linked}`);
});

test('npx whittle --version from the repository root', () => {
  const result = npx(['--version']);
  assert(result.status === 0, `exit status ${result.status}: ${result.stderr}`);
  assert(result.stdout.trim() === version, `printed ${JSON.stringify(result.stdout)}, expected ${version}`);
});

test('npx whittle inspect, compress and decompress from the repository root', async () => {
  await inTemporaryDirectory((directory) => {
    mkdirSync(join(directory, 'in'));
    const input = join(directory, 'in', 'model.safetensors');
    const { params } = writeSafetensorsFixture(input);
    const inspected = npx(['inspect', input, '--json']);
    assert(inspected.status === 0, `inspect: exit status ${inspected.status}: ${inspected.stderr}`);
    assert(JSON.parse(inspected.stdout).params === params, `inspect: params in ${inspected.stdout}`);

    const output = join(directory, 'out', 'model-f16.safetensors');
    const compressed = npx(['compress', input, '--recipe', '[{"kind":"cast","dtype":"float16"}]', '-o', output]);
    assert(compressed.status === 0, `compress: exit status ${compressed.status}: ${compressed.stderr}`);
    const header = readSafetensorsHeader(readFileSync(output));
    assert(header['dense/kernel']?.dtype === 'F16', `compress: kernel stored as ${header['dense/kernel']?.dtype}`);

    const restored = join(directory, 'plain', 'model.safetensors');
    const decompressed = npx(['decompress', output, '-o', restored]);
    assert(decompressed.status === 0, `decompress: exit status ${decompressed.status}: ${decompressed.stderr}`);
    assert(readSafetensorsHeader(readFileSync(restored))['dense/kernel']?.dtype === 'F32', 'decompress: kernel is float32 again');
  });
});

test('before the build, the command says to run npm run build', async () => {
  await inTemporaryDirectory((directory) => {
    // The committed bin file in a package whose dist/ is not built yet.
    mkdirSync(join(directory, 'bin'));
    copyFileSync(join(packageRoot, 'bin', 'whittle.js'), join(directory, 'bin', 'whittle.js'));
    const result = runProgram(process.execPath, [join(directory, 'bin', 'whittle.js'), '--version']);
    assert(result.status === 1, `exit status ${result.status}`);
    assert(/^whittle: .*run `npm run build`.*\n$/.test(result.stderr), `stderr: ${JSON.stringify(result.stderr)}`);
    assert(result.stdout === '', `stdout: ${result.stdout}`);
  });
});

test('a reader that closes the pipe early (whittle --help | head -1) ends the command quietly', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'whittle.js'), '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // Close our end at once, as `head` does after its first line.
  child.stdout.destroy();
  const status = await new Promise((resolve) => child.on('close', (code) => resolve(code)));
  assert(status === 0, `exit status ${status}: ${stderr}`);
  assert(!stderr.includes('EPIPE') && !stderr.includes('Error'), `stderr: ${stderr}`);
});
