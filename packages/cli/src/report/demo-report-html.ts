/**
 * The demo's report as one HTML page: the plots inlined as SVG, the tables, and the styles, with
 * no script and nothing fetched, so it opens offline from any folder.
 */
import type { DemoLayerRow, DemoModelResult, DemoResult, DemoRow } from '../demo/demo-result.ts';
import { describeRecipe } from './describe-recipe.ts';
import { layeredRows, paperModel, PAPER_LABEL } from './demo-plot-data.ts';
import { escapeHtml, shortLabel } from './escape-html.ts';
import { formatBits, formatChange, formatCount, formatDecimal, formatTimes } from './format-figures.ts';
import type { DemoPlot } from './render-demo-plots.ts';

/** The most characters of a row, model or layer name a table cell shows. */
export const MAX_TABLE_NAME = 120;

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
table { border-collapse: collapse; margin: 8px 0 16px; background: #fff; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: #f0f0f0; font-weight: 600; }
td.name, th.name { text-align: left; }
tr.paper td { color: #8a3b12; font-style: italic; }
tr.baseline td { background: #f5f5f5; }
figure { margin: 16px 0; background: #fff; border: 1px solid #e5e5e5; padding: 8px; overflow-x: auto; }
/* The SVG draws the same title; the caption is there for screen readers and text browsers. */
figcaption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
figure { position: relative; }
td:not(.name) { white-space: nowrap; }
th[colspan] { text-align: center; }
figure svg { display: block; max-width: none; }
p.note { color: #666; font-style: italic; }
details summary { cursor: pointer; color: #555; }
details pre { white-space: pre-wrap; word-break: break-all; max-width: 420px; margin: 4px 0; text-align: left; font-size: 12px; }
`;

/**
 * The report page for `result`, with `plots` (from `renderDemoPlots`) inlined. Every string taken
 * from the result (model, row and layer names, recipes) is escaped and cut to a bounded length;
 * every figure that is missing or not finite is a dash. A Content-Security-Policy forbids scripts
 * and every fetch, so even a page edited by hand cannot load anything.
 *
 * @example
 * ```ts
 * const html = demoReportHtml(result, await renderDemoPlots(result));
 * ```
 */
export function demoReportHtml(result: DemoResult, plots: readonly DemoPlot[]): string {
  const shared = plots.filter((plot) => plot.model === null);
  const body = [
    '<h1>whittle demo: Deep Compression reproduced in JavaScript</h1>',
    `<p>Trained and tested on ${formatCount(result.dataset.train)} training and ${formatCount(result.dataset.test)} test digits of MNIST (the <code>mnist</code> package). Every ratio and accuracy change is against our own float32 baseline; the paper’s figures (${PAPER_LABEL}, Tables 1–3) are shown beside ours.</p>`,
    '<h2>Trade-offs</h2>',
    ...shared.map(figure),
    ...result.models.map((model) => modelSection(model, plots.filter((plot) => plot.kind === 'layers' && plot.model === model.name))),
  ];
  if (result.models.length === 0) body.push('<p class="note">The result holds no models.</p>');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>whittle demo report</title>',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function figure(plot: DemoPlot): string {
  const note = plot.note === null ? '' : `<p class="note">${escapeHtml(plot.note)}</p>`;
  return `<figure class="plot" data-plot="${escapeHtml(plot.fileName)}"><figcaption>${escapeHtml(plot.title)}</figcaption>${plot.svg}${note}</figure>`;
}

function modelSection(model: DemoModelResult, layerPlots: readonly DemoPlot[]): string {
  const name = escapeHtml(shortLabel(model.name, MAX_TABLE_NAME));
  const parts = [`<section class="model"><h2>${name}</h2>`, rowsTable(model)];
  const rows = layeredRows(model);
  if (rows.length === 0) parts.push('<p class="note">No row of this model has a per-layer breakdown.</p>');
  for (const row of rows) parts.push(`<h3>Per layer: ${escapeHtml(shortLabel(row.name, MAX_TABLE_NAME))}</h3>`, layersTable(row.layers));
  parts.push(...layerPlots.map(figure), '</section>');
  return parts.join('\n');
}

const ROW_HEADERS = ['row', 'params', 'nonzero', 'bytes', 'gzip bytes', 'ratio', 'accuracy', 'change (points)', 'latency', 'speedup', 'recipe'];

function rowsTable(model: DemoModelResult): string {
  const header = `<thead><tr>${ROW_HEADERS.map((title, at) => `<th${at === 0 || at === ROW_HEADERS.length - 1 ? ' class="name"' : ''}>${title}</th>`).join('')}</tr></thead>`;
  const baseline = cells('baseline', [
    formatCount(model.baseline.params),
    '',
    formatCount(model.baseline.bytes),
    '',
    formatTimes(1),
    formatDecimal(model.baseline.accuracy, 2, '%'),
    '',
    '',
    '',
    '',
  ]);
  const lines = [`<tr class="baseline">${baseline}</tr>`, ...model.rows.map((row) => `<tr>${rowCells(row)}</tr>`)];
  const paper = paperModel(model.name);
  if (paper !== null) {
    lines.push(
      `<tr class="paper">${cells(`${PAPER_LABEL}, baseline`, ['', '', formatCount(paper.baselineBytes), '', '', formatDecimal(100 - paper.errorBefore, 2, '%'), '', '', '', ''])}</tr>`,
      `<tr class="paper">${cells(PAPER_LABEL, ['', '', formatCount(paper.compressedBytes), '', formatTimes(paper.ratio), formatDecimal(100 - paper.errorAfter, 2, '%'), formatChange(paper.errorBefore - paper.errorAfter, 2), '', '', ''])}</tr>`,
    );
  }
  if (model.rows.length === 0) lines.push(`<tr><td class="name" colspan="${ROW_HEADERS.length}">No compressed rows.</td></tr>`);
  return `<table class="rows">\n${header}\n<tbody>\n${lines.join('\n')}\n</tbody>\n</table>`;
}

function rowCells(row: DemoRow): string {
  const recipe = `<details><summary>recipe</summary><pre>${escapeHtml(describeRecipe(row.recipe))}</pre></details>`;
  return cells(
    row.name,
    [
      formatCount(row.params),
      formatCount(row.nonzero),
      formatCount(row.bytes),
      formatCount(row.gzipBytes),
      formatTimes(row.ratio),
      formatDecimal(row.accuracy, 2, '%'),
      formatChange(row.accuracyChange, 2),
      formatDecimal(row.latencyMs, 2, 'ms'),
      formatTimes(row.speedup),
    ],
    recipe,
  );
}

/** A name cell, escaped figure cells, and an optional last cell of trusted markup. */
function cells(name: string, figures: readonly string[], last = ''): string {
  const figureCells = figures.map((figure) => `<td>${escapeHtml(figure)}</td>`).join('');
  return `<td class="name">${escapeHtml(shortLabel(name, MAX_TABLE_NAME))}</td>${figureCells}${last === '' ? '' : `<td class="name">${last}</td>`}`;
}

const LAYER_HEADERS = ['layer', 'weights', 'kept', 'weight bits', 'index bits', 'bytes', 'share of float32'];
const PAPER_HEADERS = ['layer', 'weights', 'kept', 'weight bits', 'index bits'];

function layersTable(layers: readonly DemoLayerRow[]): string {
  const titles = [...LAYER_HEADERS, ...PAPER_HEADERS];
  const groups = `<tr><th colspan="${LAYER_HEADERS.length}">whittle</th><th colspan="${PAPER_HEADERS.length}">${PAPER_LABEL}</th></tr>`;
  const header = `<thead>${groups}<tr>${titles.map((title, at) => `<th${at === 0 || at === LAYER_HEADERS.length ? ' class="name"' : ''}>${escapeHtml(title)}</th>`).join('')}</tr></thead>`;
  const lines = layers.map((layer) => {
    const ours = [
      formatCount(layer.weights),
      formatDecimal(layer.keptPercent, 1, '%'),
      formatBits(layer.weightBits, 'float'),
      formatBits(layer.indexBits, 'dense'),
      formatCount(layer.bytes),
      formatDecimal(layer.sharePercent, 1, '%'),
    ];
    const paper = layer.paper ?? null;
    const theirs =
      paper === null
        ? '<td class="name">—</td><td></td><td></td><td></td><td></td>'
        : `<td class="name">${escapeHtml(shortLabel(paper.layer, MAX_TABLE_NAME))}</td>${[formatCount(paper.weights), formatDecimal(paper.keptPercent, 0, '%'), formatBits(paper.weightBits, '—'), formatBits(paper.indexBits, '—')]
            .map((figure) => `<td>${escapeHtml(figure)}</td>`)
            .join('')}`;
    return `<tr>${cells(layer.layer, ours)}${theirs}</tr>`;
  });
  return `<table class="layers">\n${header}\n<tbody>\n${lines.join('\n')}\n</tbody>\n</table>`;
}
