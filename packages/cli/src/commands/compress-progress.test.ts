import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../run-cli.ts';
import { recordingIo } from '../test-io.ts';
import { createTestWorkspace } from '../test-models.ts';

let directory: string;
let tfjsModel: string;
let safetensors: string;
let outputs: string;

beforeAll(async () => {
  ({ directory, tfjsModel, safetensors } = await createTestWorkspace('whittle-progress-'));
  outputs = join(directory, 'out');
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const TWO_STEPS = '[{"kind":"quantize.kmeans","bits":4},{"kind":"cast","dtype":"float16","roles":["bias"]}]';

test('progress goes to stderr, one line per param and step, and stdout holds only the report', async () => {
  const io = recordingIo();
  const status = await runCli(['compress', tfjsModel, '--recipe', TWO_STEPS, '-o', join(outputs, 'lines'), '--json'], io);
  expect(status).toBe(0);
  // stdout is exactly the JSON report.
  expect(JSON.parse(io.out())).toMatchObject({ steps: [{ kind: 'quantize.kmeans' }, { kind: 'cast' }] });
  expect(io.err().split('\n')).toEqual([
    'compress: step 1/2 quantize.kmeans: hidden/kernel (1/2)',
    'compress: step 1/2 quantize.kmeans: logits/kernel (2/2)',
    expect.stringMatching(/^compress: quantize\.kmeans: 11\.0 kB → .* in \d+\.\d{3} s$/),
    'compress: step 2/2 cast: hidden/bias (1/2)',
    'compress: step 2/2 cast: logits/bias (2/2)',
    expect.stringMatching(/^compress: cast: .* in \d+\.\d{3} s$/),
    '',
  ]);
});

test('a streamed safetensors file reports each param as it is written, on stderr only', async () => {
  const io = recordingIo();
  const status = await runCli(['compress', safetensors, '--preset', 'int8', '-o', join(outputs, 'streamed.safetensors'), '--json'], io);
  expect(status).toBe(0);
  const report = JSON.parse(io.out()) as { input: { params: number } };
  const lines = io.err().trimEnd().split('\n');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).toMatch(/^compress: \S+ \(\d+\/\d+\)$/);
  // The first and the last param of the file are always shown; the last says all are done.
  const counts = lines.map((line) => /\((\d+)\/(\d+)\)$/.exec(line)!.slice(1).map(Number));
  expect(counts[0]![0]).toBe(1);
  expect(counts.at(-1)![0]).toBe(counts.at(-1)![1]);
  expect(report.input.params).toBeGreaterThan(0);
});

test('on a terminal the bar is drawn there, never on stdout, and cleared at the end', async () => {
  const io = recordingIo();
  const chunks: string[] = [];
  const terminal = Object.assign(new PassThrough(), { columns: 120, rows: 30, isTTY: true });
  terminal.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const status = await runCli(['compress', tfjsModel, '--recipe', TWO_STEPS, '-o', join(outputs, 'bar')], { ...io, terminal });
  expect(status).toBe(0);
  const drawn = chunks.join('');
  expect(drawn).toContain('compress: [########################] 2/2 step 1/2 quantize.kmeans: logits/kernel');
  expect(drawn).toMatch(/compress: quantize\.kmeans: 11\.0 kB → /);
  expect(io.out()).toMatch(/^input: {2}/);
  expect(io.out()).not.toContain('[#');
  expect(io.err()).toBe('');
});

test('--quiet silences progress, before or after the command, for TFJS and safetensors', async () => {
  for (const argv of [
    ['compress', tfjsModel, '--preset', 'int8', '-o', join(outputs, 'quiet-1'), '--quiet'],
    ['--quiet', 'compress', tfjsModel, '--preset', 'int8', '-o', join(outputs, 'quiet-2')],
    ['compress', safetensors, '--preset', 'kmeans4', '-o', join(outputs, 'quiet.safetensors'), '-q', '--json'],
  ]) {
    const io = recordingIo();
    const chunks: string[] = [];
    const terminal = Object.assign(new PassThrough(), { columns: 120, isTTY: true });
    terminal.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    expect(await runCli(argv, { ...io, terminal }), io.err()).toBe(0);
    expect(io.err()).toBe('');
    expect(chunks.join('')).toBe('');
    expect(io.out().length).toBeGreaterThan(0);
  }
});

test('--quiet keeps errors', async () => {
  const io = recordingIo();
  expect(await runCli(['compress', join(directory, 'missing'), '--preset', 'int8', '-o', join(outputs, 'x'), '--quiet'], io)).toBe(1);
  expect(io.err()).toMatch(/^whittle: .*missing: cannot open the model/);
});
