/**
 * The chart of a profile: each layer's share of the params, the multiply-adds and the time.
 */
import type { ModelProfile } from '@whittle/core';
import type { TopLevelSpec } from 'vega-lite';

/** The series drawn for each layer, in the order their bars stand. */
export const PROFILE_CHART_SERIES = ['params', 'FLOPs', 'time'] as const;

/** One bar of the chart. */
export interface ProfileChartDatum {
  readonly layer: string;
  readonly series: (typeof PROFILE_CHART_SERIES)[number];
  /** Percent of the model's total. */
  readonly percent: number;
}

/**
 * The bars of the chart: one per layer and series whose share is known. Layers keep their
 * topological order; a layer's position (`#3`) goes with its name so two layers of the same name
 * never share a bar.
 *
 * @example
 * ```ts
 * profileChartData(result)[0]; // { layer: '1 dense', series: 'params', percent: 98.1 }
 * ```
 */
export function profileChartData(result: ModelProfile): ProfileChartDatum[] {
  const data: ProfileChartDatum[] = [];
  result.layers.forEach((layer, at) => {
    const shares = { params: layer.shares.params, FLOPs: layer.shares.flops, time: layer.shares.time };
    for (const series of PROFILE_CHART_SERIES) {
      const share = shares[series];
      if (share !== null) data.push({ layer: `${at + 1} ${layer.name}`, series, percent: share * 100 });
    }
  });
  return data;
}

/**
 * A Vega-Lite spec of grouped bars: a group per layer, one bar per series (params, FLOPs, time)
 * giving its percent of the model's total. Render it with `renderVegaLiteSvg`.
 *
 * @example
 * ```ts
 * const svg = await renderVegaLiteSvg(profileChartSpec(result, 'model/model.json'));
 * ```
 */
export function profileChartSpec(result: ModelProfile, title: string): TopLevelSpec {
  const data = profileChartData(result);
  const layers = [...new Set(data.map((datum) => datum.layer))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Where ${title.slice(0, 120)} spends its params, FLOPs and time`,
    data: { values: data },
    mark: 'bar',
    width: { step: 12 },
    height: 240,
    encoding: {
      x: { field: 'layer', type: 'nominal', sort: layers, title: 'layer', axis: { labelAngle: -45, labelLimit: 160 } },
      xOffset: { field: 'series', type: 'nominal', sort: [...PROFILE_CHART_SERIES] },
      y: { field: 'percent', type: 'quantitative', title: 'share of the model (%)' },
      color: { field: 'series', type: 'nominal', sort: [...PROFILE_CHART_SERIES], title: null },
      tooltip: [
        { field: 'layer', type: 'nominal' },
        { field: 'series', type: 'nominal' },
        { field: 'percent', type: 'quantitative', format: '.1f' },
      ],
    },
  };
}
