/**
 * Charts as SVG text from Vega-Lite specs, rendered in-process (no browser, no canvas).
 */
import type { TopLevelSpec } from 'vega-lite';

/**
 * Renders a Vega-Lite spec to an SVG document: compiled to Vega, run headless (renderer `none`)
 * and serialised with `view.toSVG()`. The libraries load on first use, so commands that draw no
 * chart never pay for them.
 *
 * @example
 * ```ts
 * const svg = await renderVegaLiteSvg({ mark: 'point', data: { values: [{ x: 1, y: 2 }] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } });
 * ```
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const { spec: compiled } = vegaLite.compile(spec);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
