import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { DEMO_CONFIG } from './demo/demo-config.ts';
import { demoRows } from './demo/demo-rows.ts';
import { DEMO_MODEL_NAMES } from './demo/lenet-models.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The names in the first column of every demo table in the README's text block (lines between a `---` rule and a blank line). */
function tableRowNames(block: string): string[][] {
  const tables: string[][] = [];
  let rows: string[] | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith('row ')) rows = [];
    else if (rows !== undefined && line.startsWith('---')) continue;
    else if (rows !== undefined && line.trim() === '') {
      tables.push(rows);
      rows = undefined;
    } else if (rows !== undefined) rows.push(line.split(/\s+/)[0]!);
  }
  if (rows !== undefined) tables.push(rows);
  return tables;
}

test("the README's demo output lists every row of the demo for each model, and the plot it shows is a demo plot of those rows", async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### The demo'), readme.indexOf('## Command line'));
  const block = /```text\n([\s\S]*?)```/.exec(section)![1]!;
  const expected = demoRows(DEMO_CONFIG.models['lenet-5'], 80).map(({ name }) => name);
  const tables = tableRowNames(block);
  expect(tables).toEqual(DEMO_MODEL_NAMES.map(() => expected));
  for (const name of DEMO_MODEL_NAMES) expect(block).toContain(`${name}: baseline`);

  const images = [...section.matchAll(/!\[[^\]]+\]\(([^)]+)\)/g)].map((match) => match[1]!);
  expect(images.length).toBeGreaterThan(0);
  for (const image of images) {
    const svg = await readFile(join(ROOT, image), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const labels = new Set([...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]!));
    for (const name of [...expected, ...DEMO_MODEL_NAMES]) expect(labels).toContain(name);
  }
});
