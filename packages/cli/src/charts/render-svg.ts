/**
 * Charts as SVG text, drawn by Vega-Lite: a spec is compiled to Vega and rendered headless,
 * without a canvas or a browser.
 */
import { WhittleError } from '@whittle/core';
import type { TopLevelSpec } from 'vega-lite';

/**
 * The SVG document of a Vega-Lite chart. Vega and Vega-Lite are loaded on the first call, so a
 * command that draws nothing does not pay for them at start-up. A spec Vega-Lite refuses is an
 * `invalid-argument` WhittleError naming the `spec`.
 *
 * @example
 * ```ts
 * const svg = await renderVegaLiteSvg({
 *   data: { values: [{ layer: 'dense', share: 0.9 }, { layer: 'dense_1', share: 0.1 }] },
 *   mark: 'bar',
 *   encoding: { x: { field: 'layer', type: 'nominal' }, y: { field: 'share', type: 'quantitative' } },
 * });
 * svg.startsWith('<svg'); // true
 * ```
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  let compiled: ReturnType<typeof vegaLite.compile>;
  try {
    compiled = vegaLite.compile(spec);
  } catch (error) {
    throw new WhittleError('invalid-argument', `Vega-Lite cannot compile the chart: ${messageOf(error)}`, { field: 'spec' }, { cause: error });
  }
  // Renderer `none`: the scenegraph is built for `toSVG` alone, nothing is drawn to a canvas.
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } catch (error) {
    throw new WhittleError('invalid-argument', `Vega cannot render the chart: ${messageOf(error)}`, { field: 'spec' }, { cause: error });
  } finally {
    view.finalize();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
