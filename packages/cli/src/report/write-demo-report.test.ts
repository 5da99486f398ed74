import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DemoResult } from '../demo/demo-result.ts';
import { demoResultFixture } from './demo-result-fixture.test-support.ts';
import { writeDemoReport } from './write-demo-report.ts';

/** Parses `text` strictly as XML: any error fails the test. */
function parseXml(text: string, type: 'image/svg+xml' | 'text/html' = 'image/svg+xml'): Document {
  return new DOMParser({ onError: (level, message) => { if (level !== 'warning') throw new Error(`${level}: ${message}`); } }).parseFromString(text, type) as unknown as Document;
}

/** Marks of one role in an SVG: Vega writes `aria-roledescription` on each drawn item. */
function marks(svg: Document, role: string): Element[] {
  return [...Array.from(svg.getElementsByTagName('path')), ...Array.from(svg.getElementsByTagName('text'))].filter((element) => element.getAttribute('aria-roledescription') === role);
}

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'whittle-report-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('writeDemoReport', () => {
  it('writes the three kinds of plot and the page, and returns their paths', async () => {
    const paths = await writeDemoReport(demoResultFixture(), folder);
    const names = ['accuracy-vs-bytes.svg', 'layers-lenet-300-100.svg', 'layers-lenet-5.svg', 'latency-vs-bytes.svg', 'report.html'];
    expect(paths).toEqual(names.map((name) => join(folder, name)));
    expect((await readdir(folder)).sort()).toEqual([...names].sort());
  }, 120_000);

  it('draws a point per row, per baseline and per paper figure, and a labelled front per model', async () => {
    const result = demoResultFixture();
    await writeDemoReport(result, folder);
    const svg = parseXml(await readFile(join(folder, 'accuracy-vs-bytes.svg'), 'utf8'));
    const rows = result.models.reduce((sum, model) => sum + model.rows.length, 0);
    // Every row and each model's baseline, plus the paper's baseline and compressed model per LeNet.
    expect(marks(svg, 'point')).toHaveLength(rows + 2 + 2 * 2);
    const labels = marks(svg, 'text mark').map((text) => text.textContent);
    for (const row of result.models.flatMap((model) => model.rows)) expect(labels).toContain(row.name);
    expect(labels.filter((label) => label === 'Han et al. 2016')).toHaveLength(2);
    // One step line per model: the front of each.
    expect(marks(svg, 'line mark')).toHaveLength(2);
  }, 120_000);

  it('leaves rows without a latency out of the latency plot', async () => {
    const result = demoResultFixture();
    await writeDemoReport(result, folder);
    const svg = parseXml(await readFile(join(folder, 'latency-vs-bytes.svg'), 'utf8'));
    const timed = result.models.flatMap((model) => model.rows).filter((row) => row.latencyMs !== null);
    expect(timed.length).toBeLessThan(12);
    expect(marks(svg, 'point')).toHaveLength(timed.length);
    expect(svg.documentElement!.textContent).not.toMatch(/NaN|Infinity/);
  }, 120_000);

  it('draws a bar per layer and figure of each deep-compression row, beside the paper’s', async () => {
    const result = demoResultFixture();
    await writeDemoReport(result, folder);
    for (const model of result.models) {
      const svg = parseXml(await readFile(join(folder, `layers-${model.name}.svg`), 'utf8'));
      const layers = model.rows.flatMap((row) => row.layers);
      const ours = layers.filter((layer) => layer.weightBits !== null).length + layers.length;
      const paperLayers = new Set(layers.filter((layer) => layer.paper !== null).map((layer) => layer.layer));
      expect(marks(svg, 'bar')).toHaveLength(ours + 2 * paperLayers.size);
    }
  }, 120_000);

  it('escapes hostile names: no tag, attribute or entity of theirs reaches the page or a plot', async () => {
    const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>&amp;\'"';
    const fixture = demoResultFixture();
    const result: DemoResult = {
      ...fixture,
      models: fixture.models.map((model, at) => ({
        ...model,
        name: at === 0 ? `${hostile}/../../escape` : model.name,
        rows: model.rows.map((row) => ({ ...row, name: `${row.name} ${hostile}`, recipe: { note: hostile }, layers: row.layers.map((layer) => ({ ...layer, layer: `${layer.layer}${hostile}` })) })),
      })),
    };
    const paths = await writeDemoReport(result, folder);
    for (const path of paths) expect(path.startsWith(`${folder}/`) && !path.slice(folder.length + 1).includes('/')).toBe(true);
    const html = await readFile(join(folder, 'report.html'), 'utf8');
    // No tag of theirs opens anywhere; quotes and ampersands are text wherever they stand.
    expect(html).not.toMatch(/<img|<script/i);
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;');
    const page = new DOMParser().parseFromString(html, 'text/html') as unknown as Document;
    expect(page.getElementsByTagName('img')).toHaveLength(0);
    expect(page.getElementsByTagName('script')).toHaveLength(0);
    const attributes = Array.from(page.getElementsByTagName('*')).flatMap((element) => Array.from(element.attributes).map((attribute) => attribute.name));
    expect(attributes.filter((name) => name.startsWith('on'))).toEqual([]);
    for (const path of paths.filter((path) => path.endsWith('.svg'))) {
      const svg = parseXml(await readFile(path, 'utf8'));
      expect(svg.getElementsByTagName('img')).toHaveLength(0);
      expect(svg.getElementsByTagName('script')).toHaveLength(0);
    }
  }, 120_000);

  it('replaces an earlier report whole, and a failed write leaves the earlier one as it was', async () => {
    await writeDemoReport(demoResultFixture(), folder);
    const first = await readFile(join(folder, 'report.html'), 'utf8');
    const renamed: DemoResult = { ...demoResultFixture(), models: demoResultFixture().models.map((model) => ({ ...model, rows: model.rows.map((row) => ({ ...row, name: `second-${row.name}` })) })) };
    await writeDemoReport(renamed, folder);
    const second = await readFile(join(folder, 'report.html'), 'utf8');
    expect(second).not.toBe(first);
    expect(second).toContain('second-int8');
    expect(second).not.toMatch(/<td class="name">int8</);
    expect(await readFile(join(folder, 'accuracy-vs-bytes.svg'), 'utf8')).toContain('second-int8');
    // No temporaries left beside the report.
    expect((await readdir(folder)).filter((name) => name.startsWith('.'))).toEqual([]);

    // A report.html that is a folder cannot be replaced: nothing else may change either.
    const before = await Promise.all(['accuracy-vs-bytes.svg', 'latency-vs-bytes.svg'].map((name) => readFile(join(folder, name), 'utf8')));
    await rm(join(folder, 'report.html'));
    await writeFile(join(folder, 'keep.txt'), 'x');
    await mkdir(join(folder, 'report.html'));
    await expect(writeDemoReport(demoResultFixture(), folder)).rejects.toMatchObject({ code: 'invalid-argument', file: join(folder, 'report.html') });
    const after = await Promise.all(['accuracy-vs-bytes.svg', 'latency-vs-bytes.svg'].map((name) => readFile(join(folder, name), 'utf8')));
    expect(after[0] === before[0] && after[1] === before[1]).toBe(true);
    expect((await readdir(folder)).filter((name) => name.startsWith('.'))).toEqual([]);
  }, 180_000);

  it('refuses a result of the wrong shape with a typed error naming the field, writing nothing', async () => {
    const fixture = demoResultFixture();
    const broken = { ...fixture, models: [fixture.models[0], { ...fixture.models[1], rows: [{ ...fixture.models[1]!.rows[0], name: 7 }] }] };
    await expect(writeDemoReport(broken as unknown as DemoResult, join(folder, 'out'))).rejects.toMatchObject({ code: 'invalid-argument', field: 'result.models[1].rows[0].name' });
    await expect(writeDemoReport({ dataset: fixture.dataset } as unknown as DemoResult, folder)).rejects.toMatchObject({ code: 'invalid-argument', field: 'result.models' });
    expect(await readdir(folder)).toEqual([]);
  }, 60_000);

  it('names the folder when it cannot be made', async () => {
    await writeFile(join(folder, 'file'), 'x');
    await expect(writeDemoReport(demoResultFixture(), join(folder, 'file', 'out'))).rejects.toMatchObject({ code: 'invalid-argument', file: join(folder, 'file', 'out') });
  }, 120_000);

  it('draws notes, not NaN, for models with no rows, non-finite figures and no latencies', async () => {
    const fixture = demoResultFixture();
    const result: DemoResult = {
      dataset: fixture.dataset,
      models: [
        { ...fixture.models[0]!, rows: fixture.models[0]!.rows.map((row) => ({ ...row, bytes: Number.NaN, accuracy: Number.POSITIVE_INFINITY, latencyMs: null })) },
        { ...fixture.models[1]!, baseline: { params: 0, bytes: 0, accuracy: Number.NaN }, rows: [] },
      ],
    };
    const paths = await writeDemoReport(result, folder);
    expect(paths.map((path) => path.slice(folder.length + 1))).toEqual(['accuracy-vs-bytes.svg', 'layers-lenet-300-100.svg', 'latency-vs-bytes.svg', 'report.html']);
    for (const path of paths) {
      const text = await readFile(path, 'utf8');
      expect(text).not.toMatch(/NaN|Infinity/);
    }
    const latency = await readFile(join(folder, 'latency-vs-bytes.svg'), 'utf8');
    expect(latency).toContain('No row has a latency and a size to place.');
    expect(marks(parseXml(latency), 'point')).toHaveLength(0);
    // The accuracy plot still holds lenet-300-100's baseline and the paper's points of both models.
    expect(marks(parseXml(await readFile(join(folder, 'accuracy-vs-bytes.svg'), 'utf8')), 'point')).toHaveLength(1 + 2 + 2);
    const html = await readFile(join(folder, 'report.html'), 'utf8');
    expect(html).toContain('No compressed rows.');
  }, 120_000);

  it('draws a note for a result with no models', async () => {
    const paths = await writeDemoReport({ dataset: { name: 'mnist', train: 0, test: 0 }, models: [] }, folder);
    expect(paths.map((path) => path.slice(folder.length + 1))).toEqual(['accuracy-vs-bytes.svg', 'latency-vs-bytes.svg', 'report.html']);
    expect(await readFile(paths[0]!, 'utf8')).toContain('No model has a size and an accuracy to place.');
    expect(await readFile(paths[2]!, 'utf8')).toContain('The result holds no models.');
  }, 120_000);

  it('leaves the earlier report whole when the disk fills while writing the next', async (context) => {
    const mount = join(folder, 'small-disk');
    await mkdir(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      return context.skip('no small tmpfs to fill here (mounting needs root)');
    }
    try {
      const out = join(mount, 'report');
      await writeDemoReport(demoResultFixture(), out);
      const before = new Map(await Promise.all((await readdir(out)).map(async (name) => [name, await readFile(join(out, name), 'utf8')] as const)));
      // Leave room for a few plots, not for the whole next report.
      const free = await statfs(mount);
      await writeFile(join(mount, 'filler'), new Uint8Array(Math.max(0, free.bavail * free.bsize - 48 * 1024)));
      const renamed: DemoResult = { ...demoResultFixture(), models: demoResultFixture().models.map((model) => ({ ...model, rows: model.rows.map((row) => ({ ...row, name: `next-${row.name}` })) })) };
      const error = await writeDemoReport(renamed, out).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'WhittleError', code: 'invalid-argument', message: expect.stringMatching(/ENOSPC/) });
      expect((error as Error).message).not.toMatch(/\n/);
      expect((await readdir(out)).sort()).toEqual([...before.keys()].sort());
      for (const [name, text] of before) expect((await readFile(join(out, name), 'utf8')) === text).toBe(true);
    } finally {
      execFileSync('umount', [mount]);
    }
  }, 180_000);
});
