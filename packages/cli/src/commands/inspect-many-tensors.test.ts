import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runRecorded } from '../test-io.ts';

// The fixture pins what inspect prints and what compress writes for a file of many mixed
// tensors (made by scripts/many-tensors-fixture.mjs 400): its texts and hashes were recorded
// from the release before the columnar listing and streamed planning, so any change to the
// bytes shows here. The compressed files and their listings are kept as SHA-256 hashes. The
// kmeans4 file was recorded again when k-means began from the least-squared-error clustering
// (its centroid values changed; its size and listings did not), and the int4-g32 file when
// symmetric 4-bit groups took the signed-extreme grid by default (its scales and codes changed;
// its size and listings did not); the int8 and recipe files when affine codes became the float32
// product of value and float32 inverse scale (codes of near-ties changed; sizes and listings did not).
const FIXTURE = fileURLToPath(new URL('./fixtures/many-tensors/', import.meta.url));
const INPUT = join(FIXTURE, 'mixed.safetensors');

interface ExpectedOutput {
  readonly file: string;
  readonly bytes: number;
  readonly inspectText: string;
  readonly inspectJson: string;
}

interface Expected {
  readonly recipe: unknown;
  readonly outputs: Readonly<Record<string, ExpectedOutput>>;
}

let directory: string;
let expected: Expected;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-many-'));
  expected = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A listing's text as it reads when the file is given by its bare name, as the fixture was recorded. */
function byBareName(text: string, path: string): string {
  const head = `model: ${path} (`;
  expect(text.startsWith(head)).toBe(true);
  return `model: ${basename(path)} (${text.slice(head.length)}`;
}

describe('a file of many mixed tensors reads and compresses to the bytes recorded before', () => {
  test('inspect prints the recorded table', async () => {
    const { status, out, err } = await runRecorded('inspect', INPUT);
    expect(err).toBe('');
    expect(status).toBe(0);
    expect(byBareName(out, INPUT)).toBe(await readFile(join(FIXTURE, 'inspect.txt'), 'utf8'));
  });

  test('inspect --json prints the recorded JSON', async () => {
    const { status, out } = await runRecorded('inspect', '--json', INPUT);
    expect(status).toBe(0);
    expect(out).toBe(await readFile(join(FIXTURE, 'inspect.json'), 'utf8'));
  });

  test.each(['float16', 'int8', 'int4-g32', 'kmeans4', 'uint8-stock', 'recipe'])(
    'compress %s writes the recorded file, and inspect lists it as recorded',
    async (name) => {
      const output = join(directory, `${name}.safetensors`);
      const how = name === 'recipe' ? ['--recipe', JSON.stringify(expected.recipe)] : ['--preset', name];
      const { status, err } = await runRecorded('compress', INPUT, ...how, '-o', output);
      expect(err).not.toMatch(/^whittle:/m);
      expect(status).toBe(0);
      const written = await readFile(output);
      const recorded = expected.outputs[name]!;
      expect(written.byteLength).toBe(recorded.bytes);
      expect(sha256(written)).toBe(recorded.file);
      const text = await runRecorded('inspect', output);
      expect(sha256(byBareName(text.out, output))).toBe(recorded.inspectText);
      const json = await runRecorded('inspect', '--json', output);
      expect(sha256(json.out)).toBe(recorded.inspectJson);
    },
  );
});
