import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { renderVegaLiteSvg } from './render-svg.ts';

/** Parses `svg` strictly: any XML error fails the test. */
function parseSvg(svg: string): Document {
  return new DOMParser({ onError: (level, message) => { throw new Error(`${level}: ${message}`); } }).parseFromString(svg, 'image/svg+xml') as unknown as Document;
}

describe('renderVegaLiteSvg', () => {
  it('renders a bar chart as well-formed SVG with one bar per datum', async () => {
    const values = [
      { layer: 'dense', share: 0.7 },
      { layer: 'dense_1', share: 0.2 },
      { layer: 'dense_2', share: 0.1 },
    ];
    const svg = await renderVegaLiteSvg({
      data: { values },
      mark: 'bar',
      encoding: { x: { field: 'layer', type: 'nominal' }, y: { field: 'share', type: 'quantitative' } },
    });
    const document = parseSvg(svg);
    expect(document.documentElement!.tagName).toBe('svg');
    const bars = Array.from(document.getElementsByTagName('path')).filter((path) => (path.getAttribute('aria-roledescription') ?? '') === 'bar');
    expect(bars).toHaveLength(values.length);
  }, 60_000);

  it('refuses a spec Vega-Lite cannot compile with a typed error', async () => {
    await expect(renderVegaLiteSvg({ mark: 'no-such-mark' } as never)).rejects.toMatchObject({ code: 'invalid-argument', field: 'spec' });
  }, 60_000);
});
