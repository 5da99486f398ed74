/**
 * Interrupted and concurrent writes: a replacement killed at any moment leaves the complete old
 * output or the complete new one; Ctrl-C and SIGTERM remove the temporaries; racing writers of
 * one new output never both succeed; a full disk is a typed error and leaves the previous output.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeFileAtomic } from './atomic-file.ts';
import { writeSafetensorsFile } from './safetensors-file.ts';
import { KILL_TEST_SHAPE, plainWeights, sequenceModel } from './test-model.test-support.ts';
import { readTfjsModelFile } from './tfjs-read.ts';
import { writeTfjsModelFiles } from './tfjs-write.ts';

const here = dirname(fileURLToPath(import.meta.url));
let root: string;
let child: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'whittle-interrupted-'));
  // Bundled beside the sources so node resolves the package's dependencies.
  child = join(here, `.writer-child-${process.pid}.mjs`);
  await build({
    entryPoints: [join(here, 'writer-child.test-support.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: child,
    logLevel: 'silent',
  });
}, 60_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(child, { force: true });
});

/** The expected values of the seeded kill-test model, by param name. */
function expectedWeights(seed: number): Map<string, number[]> {
  const { count, length } = KILL_TEST_SHAPE;
  return new Map(
    Array.from({ length: count }, (_, index) => [
      `p${index}`,
      Array.from({ length }, (_, i) => Math.fround(seed + index + i / length)),
    ])
  );
}

/** Which seed's model the directory holds (plain reading, and whittle's reader agrees), or throws. */
async function heldSeed(directory: string, seeds: readonly number[]): Promise<number> {
  const weights = await plainWeights(directory);
  const seed = seeds.find((candidate) => {
    const expected = expectedWeights(candidate);
    return [...expected].every(([name, values]) => {
      const actual = weights.get(name);
      return actual !== undefined && actual.length === values.length && actual.every((value, i) => value === values[i]);
    });
  });
  if (seed === undefined) throw new Error(`the output holds neither seed ${seeds.join(' nor ')}`);
  const read = await readTfjsModelFile(directory);
  expect(read.params.size).toBe(KILL_TEST_SHAPE.count);
  return seed;
}

function run(args: readonly string[]): { exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; kill: (signal: NodeJS.Signals) => void; output: () => string } {
  const process_ = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  process_.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  process_.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    exited: new Promise((resolve) => process_.on('exit', (code, signal) => resolve({ code, signal }))),
    kill: (signal) => process_.kill(signal),
    output: () => output,
  };
}

describe('replacing an output', () => {
  test('killed at any moment, the directory holds the complete old model or the complete new one', async () => {
    const directory = join(root, 'killed');
    const { count, length, shardBytes } = KILL_TEST_SHAPE;
    await writeTfjsModelFiles(sequenceModel(count, length, 0), directory, { shardBytes });
    let current = 0;
    let replaced = 0;
    let interrupted = 0;
    // Kills timed from the start of the write, then one run left to finish.
    const delays = [0, 5, 15, 40, 80, 160, undefined];
    for (const delay of delays) {
      const next = current + 1;
      const writer = run(['tfjs', directory, String(next)]);
      if (delay !== undefined) {
        for (let waited = 0; !writer.output().includes('start') && waited < 60_000; waited += 5) await sleep(5);
        await sleep(delay);
        writer.kill('SIGKILL');
      }
      const { code } = await writer.exited;
      current = await heldSeed(directory, [current, next]);
      if (code === 0) expect(current).toBe(next);
      if (delay === undefined) expect(code, writer.output()).toBe(0);
      if (current === next) replaced++;
      else interrupted++;
    }
    // The last run had time to finish; the early kills caught writes part-way.
    expect(replaced).toBeGreaterThan(0);
    expect(interrupted).toBeGreaterThan(0);
    expect(replaced + interrupted).toBe(delays.length);
  }, 300_000);

  test('force replaces exactly what the previous model.json listed, and nothing else', async () => {
    const directory = join(root, 'listed');
    await writeTfjsModelFiles(sequenceModel(5, 64, 0), directory, { shardBytes: 256 });
    const old = (await readdir(directory)).filter((name) => name.endsWith('.bin'));
    expect(old).toHaveLength(5);
    await writeFile(join(directory, 'notes.txt'), 'mine');
    // Named like a shard the new output would use, but not listed by the old model.json.
    await writeFile(join(directory, 'group1-shard1of2.bin'), 'not a shard of the model');
    const files = await writeTfjsModelFiles(sequenceModel(2, 64, 3), directory, { shardBytes: 256, force: true });
    const shards = files.shards.map((path) => path.slice(directory.length + 1));
    expect(shards).toHaveLength(2);
    expect((await readdir(directory)).sort()).toEqual(['group1-shard1of2.bin', 'model.json', 'notes.txt', ...shards].sort());
    expect(await readFile(join(directory, 'group1-shard1of2.bin'), 'utf8')).toBe('not a shard of the model');
    const weights = await plainWeights(directory);
    expect(weights.get('p1')![0]).toBe(4);
    // Replaced again: the stock names are free of listed shards now, the tagged ones go.
    await rm(join(directory, 'group1-shard1of2.bin'));
    await writeTfjsModelFiles(sequenceModel(2, 64, 5), directory, { shardBytes: 256, force: true });
    expect((await readdir(directory)).sort()).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json', 'notes.txt']);
    // Shards under a prefix folder: replaced by ones without, the emptied folder goes too.
    await writeTfjsModelFiles(sequenceModel(2, 64, 6), directory, { shardBytes: 256, force: true, weightPathPrefix: 'w/' });
    await writeTfjsModelFiles(sequenceModel(2, 64, 7), directory, { shardBytes: 256, force: true });
    expect((await readdir(directory)).sort()).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json', 'notes.txt']);
  });
});

describe('signals', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} during a write removes the temporaries and ends the process by the signal`, async () => {
      const directory = join(root, `signal-${signal}`);
      await mkdir(directory);
      const writer = run(['slow-safetensors', join(directory, 'model.safetensors')]);
      for (let waited = 0; !writer.output().includes('ready') && waited < 20_000; waited += 20) await sleep(20);
      expect((await readdir(directory)).some((name) => name.endsWith('.tmp'))).toBe(true);
      writer.kill(signal);
      const { signal: ended } = await writer.exited;
      expect(ended).toBe(signal);
      expect(await readdir(directory)).toEqual([]);
    }, 30_000);
  }
});

describe('concurrent writers without force', () => {
  test('of one new TFJS output: exactly one succeeds, and the output is all of its', async () => {
    const directory = join(root, 'race');
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((seed) => writeTfjsModelFiles(sequenceModel(2, 256, seed * 10), directory, { shardBytes: 512 }))
    );
    const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [(index + 1) * 10] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/exists already/) });
    }
    expect((await plainWeights(directory)).get('p0')![0]).toBe(winners[0]);
    const won = results.find((result) => result.status === 'fulfilled')!.value;
    expect((await readdir(directory)).sort()).toEqual(
      ['model.json', ...won.shards.map((path) => path.slice(directory.length + 1))].sort()
    );
    await readTfjsModelFile(directory);
  });
});

describe('a full disk', () => {
  let mount: string | undefined;
  beforeAll(() => {
    const point = join(root, 'small-disk');
    try {
      execFileSync('mkdir', ['-p', point]);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', point], { stdio: 'ignore' });
      mount = point;
    } catch {
      mount = undefined; // Not permitted here (not root, or no mount): the tests skip.
    }
  });
  afterAll(() => {
    if (mount !== undefined) execFileSync('umount', [mount]);
  });

  test('is a typed error naming the output; no temporary, no empty folder, the old output intact', async (context) => {
    if (mount === undefined) return context.skip();
    const directory = join(mount, 'model');
    await writeTfjsModelFiles(sequenceModel(2, 1024, 0), directory, { shardBytes: 4096 });
    const before = (await readdir(directory)).sort();
    const error = await writeTfjsModelFiles(sequenceModel(8, 64 * 1024, 1), directory, { force: true, shardBytes: 64 * 1024 }).catch(
      (caught: unknown) => caught
    );
    expect(error).toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/ENOSPC/) });
    expect((error as Error).message).toMatch(new RegExp(`^${directory}/`));
    expect((error as Error).message).not.toMatch(/\n/);
    expect((await readdir(directory)).sort()).toEqual(before);
    expect((await plainWeights(directory)).get('p1')![0]).toBe(1);
    const fresh = join(mount, 'fresh', 'deeper');
    await expect(writeTfjsModelFiles(sequenceModel(8, 64 * 1024, 1), fresh)).rejects.toMatchObject({ message: expect.stringMatching(/ENOSPC/) });
    await expect(writeSafetensorsFile(join(fresh, 'x.safetensors'), sequenceModel(8, 64 * 1024, 1))).rejects.toMatchObject({
      file: join(fresh, 'x.safetensors'),
      message: expect.stringMatching(/ENOSPC/),
    });
    await expect(writeFileAtomic(join(mount, 'big.bin'), new Uint8Array(2 * 1024 * 1024))).rejects.toMatchObject({
      file: join(mount, 'big.bin'),
    });
    expect((await readdir(mount)).sort()).toEqual(['model']);
  });
});

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
