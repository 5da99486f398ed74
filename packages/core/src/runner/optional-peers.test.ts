import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const source = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.includes('.test') ? [path] : [];
  });
}

describe('the optional peers of the runner', () => {
  it('are imported by the runner folder alone, so the other entries load without them', () => {
    const importers = sourceFiles(source)
      .filter((path) => /from '@tensorflow\/tfjs-(layers|converter)'/.test(readFileSync(path, 'utf8')))
      .map((path) => relative(source, path).split('\\').join('/'));
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((path) => !path.startsWith('runner/'))).toEqual([]);
  });
});
