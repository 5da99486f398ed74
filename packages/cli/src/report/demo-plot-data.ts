/**
 * The points, lines and bars of the demo's plots, taken from a result. Only finite figures reach
 * a plot (and only positive sizes, which a log scale can place); everything else is left out here,
 * so Vega never sees `NaN` or `Infinity`.
 */
import { DEEP_COMPRESSION_PAPER, type DemoModelResult, type DemoResult, type PaperModelResult } from '../demo/demo-result.ts';
import { shortLabel } from './escape-html.ts';
import { finiteOrNull } from './format-figures.ts';
import { paretoFront } from './pareto-front.ts';

/** How a point of the accuracy plot came about; each has its own shape. */
export const POINT_SOURCES = ['whittle', 'our baseline', 'Han et al. 2016'] as const;
export type PointSource = (typeof POINT_SOURCES)[number];

/** The label of the paper's points. */
export const PAPER_LABEL = 'Han et al. 2016';

/** The most characters of a name a plot label shows. */
export const MAX_PLOT_LABEL = 40;

/** One point of the accuracy-vs-bytes plot. */
export interface AccuracyPoint {
  readonly model: string;
  readonly label: string;
  readonly source: PointSource;
  readonly bytes: number;
  readonly accuracy: number;
}

/** One point of the latency-vs-bytes plot. */
export interface LatencyPoint {
  readonly model: string;
  readonly label: string;
  readonly bytes: number;
  readonly latencyMs: number;
}

/** One bar of a per-layer plot. */
export interface LayerBar {
  /** The layer, with the paper's name for it where there is one (`dense (ip1)`). */
  readonly layer: string;
  /** The row the bar belongs to, or the paper. */
  readonly series: string;
  readonly measure: LayerMeasure;
  readonly value: number;
}

/** The two panels of a per-layer plot. */
export const LAYER_MEASURES = ['kept weights (%)', 'weight bits'] as const;
export type LayerMeasure = (typeof LAYER_MEASURES)[number];

/**
 * The paper's whole-model result for a model of that name, if it is one of the paper's LeNets.
 *
 * @example
 * ```ts
 * paperModel('lenet-5')?.ratio; // 39
 * ```
 */
export function paperModel(name: string): PaperModelResult | null {
  return Object.hasOwn(DEEP_COMPRESSION_PAPER, name) ? DEEP_COMPRESSION_PAPER[name as keyof typeof DEEP_COMPRESSION_PAPER] : null;
}

/**
 * Every row, each model's baseline and the paper's two points per LeNet (accuracy = 100 − error),
 * where both figures are there to place them.
 *
 * @example
 * ```ts
 * accuracyPoints(result).filter((point) => point.source === 'whittle').length; // rows with bytes and accuracy
 * ```
 */
export function accuracyPoints(result: DemoResult): AccuracyPoint[] {
  const points: AccuracyPoint[] = [];
  const add = (model: string, label: string, source: PointSource, bytes: unknown, accuracy: unknown): void => {
    const size = positive(bytes);
    const share = finiteOrNull(accuracy);
    if (size !== null && share !== null) points.push({ model, label: shortLabel(label, MAX_PLOT_LABEL), source, bytes: size, accuracy: share });
  };
  for (const model of result.models) {
    add(model.name, 'baseline', 'our baseline', model.baseline.bytes, model.baseline.accuracy);
    for (const row of model.rows) add(model.name, row.name, 'whittle', row.bytes, row.accuracy);
    const paper = paperModel(model.name);
    if (paper !== null) {
      add(model.name, `${PAPER_LABEL} baseline`, PAPER_LABEL, paper.baselineBytes, 100 - paper.errorBefore);
      add(model.name, PAPER_LABEL, PAPER_LABEL, paper.compressedBytes, 100 - paper.errorAfter);
    }
  }
  return points;
}

/**
 * Each model's Pareto front over its baseline and rows (not the paper's points), in order of bytes.
 *
 * @example
 * ```ts
 * paretoFronts(result).map((point) => point.label); // ['deep-compression', 'int8', 'baseline', …]
 * ```
 */
export function paretoFronts(points: readonly AccuracyPoint[]): AccuracyPoint[] {
  const models = [...new Set(points.map((point) => point.model))];
  return models.flatMap((model) => paretoFront(points.filter((point) => point.model === model && point.source !== PAPER_LABEL)));
}

/**
 * Every row with a latency and a size.
 *
 * @example
 * ```ts
 * latencyPoints(result).length; // rows whose latencyMs is not null
 * ```
 */
export function latencyPoints(result: DemoResult): LatencyPoint[] {
  const points: LatencyPoint[] = [];
  for (const model of result.models) {
    for (const row of model.rows) {
      const bytes = positive(row.bytes);
      const latencyMs = finiteOrNull(row.latencyMs);
      if (bytes !== null && latencyMs !== null && latencyMs >= 0) points.push({ model: model.name, label: shortLabel(row.name, MAX_PLOT_LABEL), bytes, latencyMs });
    }
  }
  return points;
}

/**
 * The bars of one model's per-layer plot: kept weights and weight bits of every layer of every row
 * with a per-layer breakdown, and the paper's figures for the same layers. A layer stored as
 * floats (null weight bits) has no bits bar.
 *
 * @example
 * ```ts
 * layerBars(result.models[0]).filter((bar) => bar.series === 'Han et al. 2016').length; // 2 per paper layer
 * ```
 */
export function layerBars(model: DemoModelResult): LayerBar[] {
  const bars: LayerBar[] = [];
  const paperLayers = new Set<string>();
  for (const row of model.rows) {
    const series = shortLabel(row.name, MAX_PLOT_LABEL);
    for (const layer of row.layers) {
      const name = layerLabel(layer.layer, layer.paper?.layer);
      const kept = finiteOrNull(layer.keptPercent);
      const bits = finiteOrNull(layer.weightBits);
      if (kept !== null) bars.push({ layer: name, series, measure: 'kept weights (%)', value: kept });
      if (bits !== null) bars.push({ layer: name, series, measure: 'weight bits', value: bits });
      if (layer.paper !== null && layer.paper !== undefined && !paperLayers.has(name)) {
        paperLayers.add(name);
        const paperKept = finiteOrNull(layer.paper.keptPercent);
        const paperBits = finiteOrNull(layer.paper.weightBits);
        if (paperKept !== null) bars.push({ layer: name, series: PAPER_LABEL, measure: 'kept weights (%)', value: paperKept });
        if (paperBits !== null) bars.push({ layer: name, series: PAPER_LABEL, measure: 'weight bits', value: paperBits });
      }
    }
  }
  return bars;
}

/**
 * The rows of a model that have a per-layer breakdown (the deep-compression rows).
 *
 * @example
 * ```ts
 * layeredRows(result.models[0]).map((row) => row.name); // ['deep-compression', 'deep-compression-searched']
 * ```
 */
export function layeredRows(model: DemoModelResult): DemoModelResult['rows'] {
  return model.rows.filter((row) => row.layers.length > 0);
}

function layerLabel(layer: string, paperLayer: string | undefined): string {
  const name = shortLabel(layer, MAX_PLOT_LABEL);
  return paperLayer === undefined ? name : `${name} (${shortLabel(paperLayer, MAX_PLOT_LABEL)})`;
}

function positive(value: unknown): number | null {
  const number = finiteOrNull(value);
  return number !== null && number > 0 ? number : null;
}
