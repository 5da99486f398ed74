/**
 * Vega-Lite specs of the demo's plots. Each takes the data of `demo-plot-data.ts`, already
 * limited to finite figures; a plot with nothing to place is a note instead of empty axes (a log
 * scale over no data has no domain).
 */
import type { TopLevelSpec } from 'vega-lite';
import { LAYER_MEASURES, PAPER_LABEL, POINT_SOURCES, type AccuracyPoint, type LatencyPoint, type LayerBar } from './demo-plot-data.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const SHAPES = ['circle', 'square', 'triangle-up'] as const;

/**
 * A chart that says, in place of a plot, why there is nothing to draw.
 *
 * @example
 * ```ts
 * await renderVegaLiteSvg(noteSpec('Latency against size', 'No row has a latency.'));
 * ```
 */
export function noteSpec(title: string, note: string): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title,
    width: 480,
    height: 40,
    data: { values: [{ note }] },
    mark: { type: 'text', fontSize: 13, name: 'note' } as never,
    encoding: { text: { field: 'note', type: 'nominal' } },
    config: { view: { stroke: null } },
  };
}

/**
 * Accuracy against bytes on a log scale: a colour per model, a point per row and baseline, each
 * labelled, each model's Pareto front as a step line, and the paper's points as triangles.
 *
 * @example
 * ```ts
 * const points = accuracyPoints(result);
 * await renderVegaLiteSvg(accuracySpec(points, paretoFronts(points), models));
 * ```
 */
export function accuracySpec(points: readonly AccuracyPoint[], front: readonly AccuracyPoint[], models: readonly string[]): TopLevelSpec {
  const x = { field: 'bytes', type: 'quantitative', scale: { type: 'log' }, title: 'bytes on disk (log scale)' } as const;
  const y = { field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'test accuracy (%)' } as const;
  const color = { field: 'model', type: 'nominal', scale: { domain: [...models] }, title: 'model' } as const;
  return {
    $schema: SCHEMA,
    title: 'Test accuracy against size on disk',
    width: 620,
    height: 380,
    layer: [
      {
        name: 'front',
        data: { values: [...front] },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5, opacity: 0.7 },
        encoding: { x, y, color, detail: { field: 'model', type: 'nominal' } },
      },
      {
        name: 'points',
        data: { values: [...points] },
        mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
        encoding: {
          x,
          y,
          color,
          shape: { field: 'source', type: 'nominal', scale: { domain: [...POINT_SOURCES], range: [...SHAPES] }, title: 'point' },
          tooltip: [{ field: 'model' }, { field: 'label' }, { field: 'bytes', format: ',' }, { field: 'accuracy', format: '.2f' }],
        },
      },
      {
        name: 'labels',
        data: { values: [...points] },
        mark: { type: 'text', align: 'left', dx: 7, dy: -4, fontSize: 9 },
        encoding: { x, y, text: { field: 'label', type: 'nominal' }, color },
      },
    ],
  } as TopLevelSpec;
}

/**
 * Latency against bytes on a log scale, a labelled point per row, a colour per model.
 *
 * @example
 * ```ts
 * await renderVegaLiteSvg(latencySpec(latencyPoints(result), models));
 * ```
 */
export function latencySpec(points: readonly LatencyPoint[], models: readonly string[]): TopLevelSpec {
  const x = { field: 'bytes', type: 'quantitative', scale: { type: 'log' }, title: 'bytes on disk (log scale)' } as const;
  const y = { field: 'latencyMs', type: 'quantitative', title: 'wasm latency of one batch (ms)' } as const;
  const color = { field: 'model', type: 'nominal', scale: { domain: [...models] }, title: 'model' } as const;
  return {
    $schema: SCHEMA,
    title: 'Inference latency against size on disk',
    width: 620,
    height: 340,
    data: { values: [...points] },
    layer: [
      {
        name: 'points',
        mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
        encoding: { x, y, color, tooltip: [{ field: 'model' }, { field: 'label' }, { field: 'bytes', format: ',' }, { field: 'latencyMs', format: '.2f' }] },
      },
      {
        name: 'labels',
        mark: { type: 'text', align: 'left', dx: 7, dy: -4, fontSize: 9 },
        encoding: { x, y, color, text: { field: 'label', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
}

/**
 * One model's layers: kept weights (%) above, weight bits below, a bar per row and layer beside
 * the paper's bar for the same layer.
 *
 * @example
 * ```ts
 * await renderVegaLiteSvg(layersSpec(layerBars(model), 'Per-layer kept weights and bits: lenet-5'));
 * ```
 */
export function layersSpec(bars: readonly LayerBar[], title: string): TopLevelSpec {
  const layers = [...new Set(bars.map((bar) => bar.layer))];
  const rows = [...new Set(bars.map((bar) => bar.series))].filter((series) => series !== PAPER_LABEL);
  const series = bars.some((bar) => bar.series === PAPER_LABEL) ? [...rows, PAPER_LABEL] : rows;
  return {
    $schema: SCHEMA,
    title,
    data: { values: [...bars] },
    facet: { row: { field: 'measure', type: 'nominal', sort: [...LAYER_MEASURES], title: null } },
    spec: {
      name: 'bars',
      width: { step: 16 },
      height: 150,
      mark: 'bar',
      encoding: {
        x: { field: 'layer', type: 'nominal', sort: layers, title: 'layer (the paper’s name)', axis: { labelAngle: -35, labelLimit: 200 } },
        xOffset: { field: 'series', type: 'nominal', sort: series },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'series', type: 'nominal', sort: series, scale: { domain: series }, title: null, legend: { labelLimit: 320 } },
        tooltip: [{ field: 'layer' }, { field: 'series' }, { field: 'measure' }, { field: 'value', format: '.1f' }],
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}
