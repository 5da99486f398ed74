// Runs core's runtime test subset against the built package under Node, Deno and Bun (both
// installed from npm), and prints one closing summary line for all three.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, '..');

function findBinary(name) {
  for (let directory = packageRoot; ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', '.bin', name);
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) throw new Error(`${name} is not installed (npm install at the repository root)`);
  }
}

const runtimes = [
  { name: 'node', command: process.execPath, args: ['main.mjs'] },
  // Deno reads the wasm binaries and the flags tfjs checks, and writes temporary files.
  { name: 'deno', command: findBinary('deno'), args: ['run', '--allow-read', '--allow-env', '--allow-write', 'main.mjs'] },
  { name: 'bun', command: findBinary('bun'), args: ['main.mjs'] },
];

let passed = 0;
let failed = 0;
for (const runtime of runtimes) {
  const result = spawnSync(runtime.command, runtime.args, { cwd: here, encoding: 'utf8', timeout: 300_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  process.stdout.write(output.split('\n').filter((line) => /^(ok|FAIL|\s{5})/.test(line)).join('\n') + '\n');
  const summary = /(\d+) passed, (\d+) failed/.exec(output);
  if (summary === null || result.status !== 0 && Number(summary[2]) === 0) {
    failed++;
    console.log(`FAIL ${runtime.name}: exited with ${result.status ?? result.signal}\n${output}`);
    continue;
  }
  passed += Number(summary[1]);
  failed += Number(summary[2]);
}
console.log(`runtimes: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
