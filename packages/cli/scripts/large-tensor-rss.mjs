// Peak memory of `whittle compress` on one large tensor: writes a safetensors file holding a
// single float32 [side, side] weight (1 GiB at the default side of 16384; seeded values, written
// in chunks), then runs the built command on it once per recipe, each in a fresh process, and
// prints seconds and peak RSS (Linux's VmHWM) per recipe, next to the command's own start-up.
// Run after `npm run build`: node packages/cli/scripts/large-tensor-rss.mjs [side]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const side = Number(process.argv[2] ?? 16384);
const bin = fileURLToPath(new URL('../bin/whittle.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'whittle-large-tensor-'));
const RECIPES = [
  ['float16 cast', ['--preset', 'float16']],
  ['int8 per channel', ['--preset', 'int8']],
  ['int4 groups of 32', ['--preset', 'int4-g32']],
];

function writeTensorFile(path) {
  const bytes = side * side * 4;
  let header = JSON.stringify({ 'layer.weight': { dtype: 'F32', shape: [side, side], data_offsets: [0, bytes] } });
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const file = openSync(path, 'w');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  writeSync(file, length);
  writeSync(file, Buffer.from(header));
  const chunk = new Float32Array(1 << 20);
  let state = 12345;
  for (let written = 0; written < side * side; written += chunk.length) {
    for (let index = 0; index < chunk.length; index++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      chunk[index] = (state / 2 ** 32 - 0.5) * 0.1;
    }
    const count = Math.min(chunk.length, side * side - written);
    writeSync(file, new Uint8Array(chunk.buffer, 0, count * 4));
  }
  closeSync(file);
  return bytes;
}

// Each run reports its own high-water mark as it exits.
const REPORT = `data:text/javascript,${encodeURIComponent(
  "import{readFileSync,writeFileSync}from'node:fs';process.on('exit',()=>{try{writeFileSync(process.env.PEAK_RSS_FILE,readFileSync('/proc/self/status','utf8'))}catch{}});",
)}`;

function run(args) {
  const statusFile = join(directory, 'status.txt');
  rmSync(statusFile, { force: true });
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', REPORT, bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PEAK_RSS_FILE: statusFile },
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`whittle ${args.join(' ')}: exit status ${result.status}: ${result.stderr}`);
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(statusFile, 'utf8'));
  return { seconds, peakMegabytes: match === null ? Number.NaN : (Number(match[1]) * 1024) / 1e6 };
}

try {
  const input = join(directory, 'large.safetensors');
  const bytes = writeTensorFile(input);
  console.log(`one float32 [${side}, ${side}] tensor: ${(bytes / 2 ** 20).toFixed(0)} MiB; node ${process.version}; ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}`);
  const startup = run(['--version']);
  console.log(`${'whittle --version'.padEnd(20)}  ${startup.seconds.toFixed(2).padStart(7)} s  ${startup.peakMegabytes.toFixed(0).padStart(6)} MB peak RSS`);
  for (const [name, args] of RECIPES) {
    const output = join(directory, 'out.safetensors');
    rmSync(output, { force: true });
    const figures = run(['compress', input, ...args, '-o', output, '--quiet']);
    const written = statSync(output).size;
    console.log(
      `${name.padEnd(20)}  ${figures.seconds.toFixed(2).padStart(7)} s  ${figures.peakMegabytes.toFixed(0).padStart(6)} MB peak RSS  (output ${(written / 2 ** 20).toFixed(0)} MiB)`,
    );
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}
