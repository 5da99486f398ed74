import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWhittleError } from '../errors.ts';
import { fileSensitivityCache } from './sensitivity-file-cache.ts';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'whittle-sensitivity-cache-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('fileSensitivityCache', () => {
  it('keeps each record across openings, keys as data (even __proto__)', async () => {
    const path = join(directory, 'cache.json');
    const first = await fileSensitivityCache(path);
    expect(await first.get('a')).toBeUndefined();
    await first.set('a', { bytes: 10, params: 4, metric: 0.5, outputError: 0.01 });
    await first.set('__proto__', { bytes: 8, params: 4, outputError: 0.2, latencyMs: 1.5 });
    const second = await fileSensitivityCache(path);
    expect(await second.get('a')).toEqual({ bytes: 10, params: 4, metric: 0.5, outputError: 0.01 });
    expect(await second.get('__proto__')).toEqual({ bytes: 8, params: 4, outputError: 0.2, latencyMs: 1.5 });
    expect(JSON.parse(await readFile(path, 'utf8')).format).toBe('whittle-sensitivity-cache');
  });

  it('refuses files that are not caches with a typed error naming the file, and leaves them unchanged', async () => {
    const cases: Record<string, string> = {
      'not-json.json': '{"format":',
      'other.json': '{"format":"something else","version":1,"entries":{}}',
      'bad-record.json': '{"format":"whittle-sensitivity-cache","version":1,"entries":{"k":{"bytes":-1,"params":1,"outputError":0}}}',
      'extra-field.json': '{"format":"whittle-sensitivity-cache","version":1,"entries":{"k":{"bytes":1,"params":1,"outputError":0,"x":1}}}',
      'array.json': '[1,2,3]',
      'deep.json': `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    };
    for (const [name, text] of Object.entries(cases)) {
      const path = join(directory, name);
      await writeFile(path, text);
      let caught: unknown;
      try {
        await fileSensitivityCache(path);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught), name).toBe(true);
      expect((caught as Error).message).toContain(name);
      expect((caught as Error).message).not.toContain('\n');
      expect(await readFile(path, 'utf8')).toBe(text);
    }
    const folder = join(directory, 'folder.json');
    await mkdir(folder);
    await expect(fileSensitivityCache(folder)).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
