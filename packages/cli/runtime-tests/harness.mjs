// A tiny test harness and the helpers the CLI's runtime tests share. These tests run the built
// command the way users do (through npm's bin link, under Deno, bundled, without the optional
// packages), so they run as plain Node scripts after the build rather than under vitest.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repositoryRoot = resolve(packageRoot, '../..');

const cases = [];

/** Registers a named test. */
export function test(name, body) {
  cases.push({ name, body });
}

/** Throws when `condition` is false. */
export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** Runs every registered test (or those whose name matches `filter`) and prints one line each. */
export async function run(filter) {
  let passed = 0;
  let failed = 0;
  for (const { name, body } of cases) {
    if (filter !== undefined && !name.includes(filter)) continue;
    const started = Date.now();
    try {
      await body();
      passed++;
      console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${name}\n     ${error?.stack ?? error}`);
    }
  }
  console.log(`cli runtime tests: ${passed} passed, ${failed} failed`);
  return failed;
}

/** Runs a program to completion; its output as text. */
export function runProgram(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 240_000, ...options });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh temporary directory, removed after `body` finishes. */
export async function inTemporaryDirectory(body) {
  const directory = mkdtempSync(join(tmpdir(), 'whittle-cli-runtime-'));
  try {
    return await body(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The repository's own copy of a program installed from npm (deno). */
export function installedBinary(name) {
  const candidate = join(repositoryRoot, 'node_modules', '.bin', name);
  assert(existsSync(candidate), `${name} is not installed (npm install at the repository root)`);
  return candidate;
}

/**
 * Writes a small float32 safetensors file by hand (8-byte little-endian header length, JSON
 * header, then the data), so the fixture does not depend on the code under test.
 */
export function writeSafetensorsFixture(path) {
  const kernel = Float32Array.from({ length: 4 * 3 }, (_, index) => Math.sin(index + 1));
  const bias = Float32Array.from([0.5, -0.25, 0.125]);
  const header = {
    'dense/kernel': { dtype: 'F32', shape: [4, 3], data_offsets: [0, kernel.byteLength] },
    'dense/bias': { dtype: 'F32', shape: [3], data_offsets: [kernel.byteLength, kernel.byteLength + bias.byteLength] },
  };
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerText.length));
  writeFileSync(path, Buffer.concat([length, Buffer.from(headerText), Buffer.from(kernel.buffer), Buffer.from(bias.buffer)]));
  return { params: kernel.length + bias.length };
}

/** The JSON header of a safetensors file, read by hand. */
export function readSafetensorsHeader(bytes) {
  const length = Number(Buffer.from(bytes).readBigUInt64LE(0));
  return JSON.parse(Buffer.from(bytes).subarray(8, 8 + length).toString('utf8'));
}
