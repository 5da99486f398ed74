import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runDemo } from './commands/demo.ts';
import { QUICK_DEMO_CONFIG } from './demo/demo-config.ts';
import { recordingIo, runRecorded } from './test-io.ts';
import { createTestWorkspace } from './test-models.ts';

/**
 * Every command's --json output, walked leaf by leaf: JSON for programs must hold numbers (or
 * null for a figure that has no finite value), booleans, null and text, never a number spelled
 * as a string such as "Infinity"; and the fields that mean the same in two commands must have
 * the same name.
 */
let directory: string;
const outputs = new Map<string, unknown>();

beforeAll(async () => {
  const workspace = await createTestWorkspace('whittle-json-');
  directory = workspace.directory;
  const out = (name: string) => join(directory, 'out', name);
  const runs: Record<string, string[]> = {
    'inspect tfjs': ['inspect', workspace.tfjsModel, '--json'],
    'inspect safetensors': ['inspect', workspace.safetensors, '--json'],
    'compress tfjs': ['compress', workspace.tfjsModel, '--preset', 'kmeans4', '-o', out('k4'), '--json'],
    'compress safetensors': ['compress', workspace.safetensors, '--preset', 'int4-g32', '-o', out('q4.safetensors'), '--json'],
    decompress: ['decompress', out('k4'), '-o', out('plain'), '--json'],
    bench: ['bench', '--suite', 'backends', '--backend', 'cpu', '--quick', '--json'],
  };
  for (const [name, argv] of Object.entries(runs)) {
    const run = await runRecorded(...argv);
    if (run.status !== 0) throw new Error(`${name}: ${run.err}`);
    outputs.set(name, JSON.parse(run.out));
  }
  // The demo as `whittle demo --model lenet-300-100 --quick --json` prints it, on fewer digits and rows.
  const demoIo = recordingIo();
  await runDemo({ model: 'lenet-300-100', quick: true, json: true }, demoIo, {
    config: { ...QUICK_DEMO_CONFIG, trainDigits: 1000, testDigits: 200 },
    rows: ['deep-compression', 'int8', 'distilled-student'],
  });
  outputs.set('demo', JSON.parse(demoIo.out()));
}, 400_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Every leaf of a JSON value, with its path (`.variants[0].ratio`). */
function leaves(value: unknown, path = ''): Array<{ path: string; key: string; value: unknown }> {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, `${path}[${index}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      typeof item === 'object' && item !== null ? leaves(item, `${path}.${key}`) : [{ path: `${path}.${key}`, key, value: item }],
    );
  }
  return [{ path, key: '', value }];
}

/** Every key of a JSON value, at any depth. */
function keys(value: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (item: unknown): void => {
    if (Array.isArray(item)) item.forEach(visit);
    else if (typeof item === 'object' && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        found.add(key);
        visit(child);
      }
    }
  };
  visit(value);
  return found;
}

test('every command was run', () => {
  expect([...outputs.keys()]).toHaveLength(7);
});

test('every leaf is a finite number, a boolean, null or text, never a number written as a string', () => {
  for (const [name, output] of outputs) {
    for (const { path, value } of leaves(output)) {
      const where = `${name}: ${path}`;
      expect(['number', 'boolean', 'string', 'object'], where).toContain(typeof value);
      if (typeof value === 'number') expect(Number.isFinite(value), where).toBe(true);
      if (typeof value === 'string') expect(value, where).not.toMatch(/^\s*[-+]?(infinity|inf|nan|∞)\s*$/i);
      if (typeof value === 'object') expect(value, where).toBeNull();
    }
  }
});

test("the demo's unpruned layers and untimed figures are null, never a string", () => {
  const demo = outputs.get('demo') as { models: Array<{ rows: Array<{ name: string; ratio: number | null; layers: Array<{ indexBits: number | null }> }> }> };
  const rows = demo.models[0]!.rows;
  expect(rows.map(({ name }) => name)).toEqual(['deep-compression', 'int8', 'distilled-student']);
  expect(rows.every(({ ratio }) => typeof ratio === 'number' && ratio > 1)).toBe(true);
  expect(rows[0]!.layers.map(({ indexBits }) => indexBits)).toEqual([5, 5, 5]);
  expect(rows[1]!.layers).toEqual([]);
});

test('fields that mean the same have the same name in every command', () => {
  const all = new Map([...outputs].map(([name, output]) => [name, keys(output)]));
  // Sizes: params and bytes wherever a model's size is given.
  for (const name of ['inspect tfjs', 'inspect safetensors', 'compress tfjs', 'compress safetensors', 'decompress', 'demo']) {
    expect([...all.get(name)!], name).toEqual(expect.arrayContaining(['params', 'bytes']));
  }
  // The compression ratio: `ratio` in compress and in the demo.
  for (const name of ['compress tfjs', 'compress safetensors', 'demo']) expect([...all.get(name)!], name).toContain('ratio');
  // No command spells one of these concepts another way.
  const synonyms = /^(compressionRatio|compression_ratio|sizeRatio|byteLength|numBytes|sizeBytes|totalBytes|paramCount|numParams|parameterCount|elapsed\w*|duration\w*|timeSeconds)$/;
  for (const [name, found] of all) for (const key of found) expect(key, `${name}: ${key}`).not.toMatch(synonyms);
  // Every key that speaks of a ratio, or of time in seconds, is that one name.
  for (const [name, found] of all) {
    for (const key of found) {
      if (/ratio/i.test(key)) expect(key, name).toBe('ratio');
      if (/seconds$/i.test(key)) expect(['seconds', 'compressSeconds'], `${name}: ${key}`).toContain(key);
    }
  }
});
