import type { SearchResult } from '@whittle/core';
import type { TopLevelSpec } from 'vega-lite';

/**
 * The Vega-Lite spec of a search's candidates: bytes (log scale) against loss, every candidate a
 * point coloured by kind (one-layer change, verified recipe, original), the Pareto front a line
 * through its points.
 *
 * @example
 * ```ts
 * const svg = await renderVegaLiteSvg(searchChartSpec(result));
 * ```
 */
export function searchChartSpec(result: SearchResult): TopLevelSpec {
  const values = result.candidates.map((candidate) => ({
    label: candidate.label,
    bytes: candidate.bytes,
    loss: candidate.loss,
    pareto: candidate.pareto,
    kind: candidate.label === 'original' ? 'original' : candidate.label.startsWith('recipe') ? 'verified recipe' : 'one layer changed',
  }));
  const lossTitle = result.metric === undefined ? 'output error (relative)' : `${result.metric} drop`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'whittle search: candidates and their Pareto front',
    width: 480,
    height: 320,
    data: { values },
    layer: [
      {
        transform: [{ filter: 'datum.pareto' }],
        mark: { type: 'line', point: false, interpolate: 'step-after' },
        encoding: {
          x: { field: 'bytes', type: 'quantitative', scale: { type: 'log' }, title: 'bytes' },
          y: { field: 'loss', type: 'quantitative', title: lossTitle },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 50 },
        encoding: {
          x: { field: 'bytes', type: 'quantitative', scale: { type: 'log' } },
          y: { field: 'loss', type: 'quantitative' },
          color: { field: 'kind', type: 'nominal', title: 'candidate' },
          tooltip: [{ field: 'label' }, { field: 'bytes' }, { field: 'loss' }],
        },
      },
    ],
  } as TopLevelSpec;
}
