/**
 * The demo's plots as SVG text, each with the file name it is written under.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from '../charts/render-svg.ts';
import type { DemoResult } from '../demo/demo-result.ts';
import { checkDemoResult } from './check-demo-result.ts';
import { accuracyPoints, latencyPoints, layerBars, layeredRows, paperModel, paretoFronts, PAPER_LABEL } from './demo-plot-data.ts';
import { accuracySpec, latencySpec, layersSpec, noteSpec } from './demo-plot-specs.ts';
import { shortLabel } from './escape-html.ts';
import { layerPlotFileNames } from './plot-file-names.ts';

/** The kinds of plot a demo report holds. */
export const DEMO_PLOT_KINDS = ['accuracy-vs-bytes', 'layers', 'latency-vs-bytes'] as const;
export type DemoPlotKind = (typeof DEMO_PLOT_KINDS)[number];

/** One rendered plot. */
export interface DemoPlot {
  readonly kind: DemoPlotKind;
  /** The model of a per-layer plot; null for the plots of every model. */
  readonly model: string | null;
  /** `accuracy-vs-bytes.svg`, `layers-lenet-5.svg`, `latency-vs-bytes.svg`. */
  readonly fileName: string;
  readonly title: string;
  /** The SVG document. */
  readonly svg: string;
  /** Points or bars drawn: 0 when the plot is a note saying there was nothing to draw. */
  readonly marks: number;
  /** Why nothing (or not everything) was drawn, or null. */
  readonly note: string | null;
}

/**
 * Renders the demo's plots: accuracy vs bytes (every row, each model's baseline and Pareto front,
 * the paper's points), one per-layer plot per model with deep-compression rows, and latency vs
 * bytes. A plot with nothing to place (no rows with figures) is a note rather than empty axes. A
 * result of the wrong shape is an `invalid-argument` WhittleError naming the field.
 *
 * @example
 * ```ts
 * const plots = await renderDemoPlots(result);
 * await writeFile('docs/accuracy-vs-bytes.svg', plots.find((plot) => plot.kind === 'accuracy-vs-bytes')!.svg);
 * ```
 */
export async function renderDemoPlots(result: DemoResult): Promise<DemoPlot[]> {
  checkDemoResult(result);
  const models = [...new Set(result.models.map((model) => model.name))];
  const plots: DemoPlot[] = [];

  const points = accuracyPoints(result);
  const rowsPlaced = points.filter((point) => point.source === 'whittle').length;
  const rowCount = result.models.reduce((sum, model) => sum + model.rows.length, 0);
  plots.push(
    await render({
      kind: 'accuracy-vs-bytes',
      model: null,
      fileName: 'accuracy-vs-bytes.svg',
      title: 'Test accuracy against size on disk',
      spec: points.length === 0 ? null : accuracySpec(points, paretoFronts(points), models),
      marks: points.length,
      note: points.length === 0 ? 'No model has a size and an accuracy to place.' : leftOut(rowCount - rowsPlaced, 'without a size or an accuracy'),
    }),
  );

  const fileNames = layerPlotFileNames(result.models.map((model) => model.name));
  for (const [at, model] of result.models.entries()) {
    const rows = layeredRows(model);
    if (rows.length === 0) continue;
    const bars = layerBars({ ...model, rows });
    const besidePaper = paperModel(model.name) !== null || bars.some((bar) => bar.series === PAPER_LABEL);
    const title = `Per-layer kept weights and weight bits of ${shortLabel(model.name, 60)}${besidePaper ? `, beside ${PAPER_LABEL}` : ''}`;
    plots.push(
      await render({
        kind: 'layers',
        model: model.name,
        fileName: fileNames[at]!,
        title,
        spec: bars.length === 0 ? null : layersSpec(bars, title),
        marks: bars.length,
        note: bars.length === 0 ? 'No layer has a finite share kept or bit width.' : null,
      }),
    );
  }

  const latency = latencyPoints(result);
  plots.push(
    await render({
      kind: 'latency-vs-bytes',
      model: null,
      fileName: 'latency-vs-bytes.svg',
      title: 'Inference latency against size on disk',
      spec: latency.length === 0 ? null : latencySpec(latency, models),
      marks: latency.length,
      note: latency.length === 0 ? 'No row has a latency and a size to place.' : leftOut(rowCount - latency.length, 'without a latency'),
    }),
  );
  return plots;
}

interface PlotRequest extends Omit<DemoPlot, 'svg'> {
  readonly spec: TopLevelSpec | null;
}

async function render(request: PlotRequest): Promise<DemoPlot> {
  const { spec, ...plot } = request;
  const svg = await renderVegaLiteSvg(spec ?? noteSpec(plot.title, plot.note ?? 'Nothing to draw.'));
  return { ...plot, marks: spec === null ? 0 : plot.marks, svg };
}

function leftOut(count: number, reason: string): string | null {
  if (count <= 0) return null;
  return `${count} ${count === 1 ? 'row' : 'rows'} ${reason} left out.`;
}
