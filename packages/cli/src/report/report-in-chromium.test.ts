/**
 * The report as a browser sees it: Debian's Chromium, headless, opens `report.html` from disk and
 * a probe page beside it reads the DOM Chromium built (the report itself holds no script, and its
 * Content-Security-Policy would stop one). Skipped, saying why, where no Chromium is installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoResult } from '../demo/demo-result.ts';
import { demoResultFixture } from './demo-result-fixture.test-support.ts';
import { writeDemoReport } from './write-demo-report.ts';

const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const chromium = CHROMIUM_PATHS.find((path) => existsSync(path));
if (chromium === undefined) console.warn(`report-in-chromium: skipped: no Chromium at ${CHROMIUM_PATHS.join(' or ')} (Debian's chromium package; .ci/run installs it as root)`);

interface ProbedFigure {
  readonly plot: string;
  readonly caption: string;
  readonly svgs: number;
  readonly width: number;
  readonly height: number;
  readonly points: number;
  readonly bars: number;
  readonly lines: number;
  /** Points, bars and lines with a box of some size, as Chromium laid them out. */
  readonly drawn: number;
  readonly titles: readonly string[];
}

interface Probe {
  readonly error: string | null;
  readonly title: string;
  readonly figures: readonly ProbedFigure[];
  readonly tables: readonly { readonly kind: string; readonly rows: number; readonly names: readonly string[] }[];
  readonly scripts: number;
  readonly images: number;
  readonly handlers: number;
  readonly resources: number;
  readonly duplicateIds: number;
}

/** Runs in Chromium once the report has loaded in the frame; writes what it found as base64 JSON. */
const PROBE_SCRIPT = `
function probe() {
  const frame = document.getElementById('report');
  const doc = frame.contentDocument;
  const out = { error: null };
  try {
    const count = (svg, role) => svg ? svg.querySelectorAll('[aria-roledescription="' + role + '"]').length : 0;
    out.title = doc.title;
    out.figures = Array.from(doc.querySelectorAll('figure.plot')).map((figure) => {
      const svg = figure.querySelector('svg');
      const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
      const marks = svg ? Array.from(svg.querySelectorAll('[aria-roledescription="point"], [aria-roledescription="bar"], [aria-roledescription="line mark"]')) : [];
      return {
        plot: figure.getAttribute('data-plot'),
        caption: figure.querySelector('figcaption').textContent,
        svgs: figure.querySelectorAll('svg').length,
        width: box.width,
        height: box.height,
        points: count(svg, 'point'),
        bars: count(svg, 'bar'),
        lines: count(svg, 'line mark'),
        drawn: marks.filter((mark) => { const box = mark.getBBox(); return box.width > 0 || box.height > 0; }).length,
        titles: svg ? Array.from(svg.querySelectorAll('.role-title-text text')).map((text) => text.textContent) : [],
      };
    });
    out.tables = Array.from(doc.querySelectorAll('table')).map((table) => ({
      kind: table.className,
      rows: table.tBodies[0].rows.length,
      names: Array.from(table.tBodies[0].rows).map((row) => row.cells[0].textContent),
    }));
    out.scripts = doc.querySelectorAll('script').length;
    out.images = doc.querySelectorAll('img, iframe, object, embed, link').length;
    out.handlers = Array.from(doc.querySelectorAll('*')).filter((element) => Array.from(element.attributes).some((attribute) => attribute.name.startsWith('on'))).length;
    out.resources = frame.contentWindow.performance.getEntriesByType('resource').length;
    const ids = Array.from(doc.querySelectorAll('[id]')).map((element) => element.id);
    out.duplicateIds = ids.length - new Set(ids).size;
  } catch (error) {
    out.error = String(error);
  }
  document.getElementById('probe').textContent = btoa(unescape(encodeURIComponent(JSON.stringify(out))));
}
`;

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'whittle-report-chromium-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Writes `result`'s report into a folder of its own, opens it in Chromium and returns the probe's findings. */
async function openInChromium(result: DemoResult, name: string): Promise<Probe> {
  const directory = join(folder, name);
  await writeDemoReport(result, directory);
  await writeFile(
    join(directory, 'probe.html'),
    `<!DOCTYPE html><html><head><meta charset="utf-8"><script>${PROBE_SCRIPT}</script></head><body><pre id="probe">not run</pre><iframe id="report" src="report.html" width="1200" height="900" onload="probe()"></iframe></body></html>`,
  );
  const { stdout } = await promisify(execFile)(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      // Lets the probe read the frame it loaded from the same folder (file: pages are otherwise opaque origins).
      '--allow-file-access-from-files',
      `--user-data-dir=${join(directory, '.chromium-profile')}`,
      '--dump-dom',
      `file://${join(directory, 'probe.html')}`,
    ],
    { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const found = /<pre id="probe">([A-Za-z0-9+/=]*)<\/pre>/.exec(stdout);
  if (found === null) throw new Error(`the probe did not run: ${stdout.slice(0, 300)}`);
  const probe = JSON.parse(Buffer.from(found[1]!, 'base64').toString('utf8')) as Probe;
  if (probe.error !== null) throw new Error(`the probe failed in Chromium: ${probe.error}`);
  return probe;
}

describe.skipIf(chromium === undefined)('report.html in headless Chromium', () => {
  it('shows every plot as an SVG with its marks drawn and its title, and every table', async () => {
    const result = demoResultFixture();
    const probe = await openInChromium(result, 'fixture');
    expect(probe.title).toBe('whittle demo report');
    expect(probe.figures.map((figure) => figure.plot)).toEqual(['accuracy-vs-bytes.svg', 'latency-vs-bytes.svg', 'layers-lenet-300-100.svg', 'layers-lenet-5.svg']);
    for (const figure of probe.figures) {
      expect(figure.svgs).toBe(1);
      expect(figure.width).toBeGreaterThan(200);
      expect(figure.height).toBeGreaterThan(100);
      expect(figure.titles).toContain(figure.caption);
      expect(figure.points + figure.bars + figure.lines).toBeGreaterThan(0);
      expect(figure.drawn).toBe(figure.points + figure.bars + figure.lines);
    }
    const [accuracy, latency, mlpLayers, convLayers] = probe.figures;
    const rows = result.models.flatMap((model) => model.rows);
    // Every row, both baselines, and the paper's baseline and compressed model for each LeNet.
    expect(accuracy!.points).toBe(rows.length + 2 + 4);
    expect(accuracy!.lines).toBe(2);
    expect(latency!.points).toBe(rows.filter((row) => row.latencyMs !== null).length);
    // Kept share of every layer, bits where not stored as floats, and the paper's two per layer.
    expect(mlpLayers!.bars).toBe(2 * 3 + 2 * 2 + 2 * 3);
    expect(convLayers!.bars).toBe(4 + 3 + 2 * 4);

    const tables = probe.tables;
    expect(tables.filter((table) => table.kind === 'rows').map((table) => table.rows)).toEqual(result.models.map((model) => 1 + model.rows.length + 2));
    expect(tables.filter((table) => table.kind === 'rows')[0]!.names).toEqual(['baseline', ...result.models[0]!.rows.map((row) => row.name), 'Han et al. 2016, baseline', 'Han et al. 2016']);
    const layered = rows.filter((row) => row.layers.length > 0);
    expect(tables.filter((table) => table.kind === 'layers').map((table) => table.names)).toEqual(layered.map((row) => row.layers.map((layer) => layer.layer)));
    expect({ scripts: probe.scripts, images: probe.images, handlers: probe.handlers, resources: probe.resources, duplicateIds: probe.duplicateIds }).toEqual({
      scripts: 0,
      images: 0,
      handlers: 0,
      resources: 0,
      duplicateIds: 0,
    });
  }, 180_000);

  it('shows hostile names as text: no element, handler or fetch of theirs', async () => {
    const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script><link rel=stylesheet href=http://example.invalid/x.css>&amp;';
    const fixture = demoResultFixture();
    const result: DemoResult = {
      ...fixture,
      models: fixture.models.map((model) => ({ ...model, rows: model.rows.map((row) => ({ ...row, name: `${row.name}${hostile}`, recipe: { note: hostile } })) })),
    };
    const probe = await openInChromium(result, 'hostile');
    expect({ scripts: probe.scripts, images: probe.images, handlers: probe.handlers, resources: probe.resources }).toEqual({ scripts: 0, images: 0, handlers: 0, resources: 0 });
    const names = probe.tables.filter((table) => table.kind === 'rows').flatMap((table) => table.names);
    // Shown as it is; a name over 120 characters is cut around an ellipsis.
    expect(`int8${hostile}`.length).toBeLessThanOrEqual(120);
    expect(names).toContain(`int8${hostile}`);
    const long = `deep-compression-searched${hostile}`;
    expect(long.length).toBeGreaterThan(120);
    expect(names).toContain(`${long.slice(0, 60)}…${long.slice(-59)}`);
    expect(probe.figures).toHaveLength(4);
  }, 180_000);
});
