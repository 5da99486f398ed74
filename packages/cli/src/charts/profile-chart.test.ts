import type { LayerProfile, ModelProfile } from '@whittle/core';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { profileChartData, profileChartSpec } from './profile-chart.ts';
import { renderVegaLiteSvg } from './render-svg.ts';

function layer(name: string, shares: LayerProfile['shares']): LayerProfile {
  return { name, type: 'Dense', params: 1, bytes: 4, encodings: [], outputShapes: null, flops: null, activationBytes: null, milliseconds: null, shares, notes: [] };
}

const result: ModelProfile = {
  format: 'tfjs-layers',
  backend: 'cpu',
  inputShapes: [[1, 4]],
  runs: 1,
  warmup: 0,
  layers: [
    layer('dense', { params: 0.75, bytes: 0.75, flops: 0.5, time: 0.4 }),
    // Names are data: markup and quotes in them must come out escaped, and a repeated name is its own bar.
    layer('<script>&"\'', { params: 0.25, bytes: 0.25, flops: 0.5, time: null }),
    layer('dense', { params: 0, bytes: 0, flops: null, time: 0.6 }),
  ],
  totals: { params: 3, bytes: 12, flops: 2, activationBytes: null, peakActivationBytes: null, layerMilliseconds: 1, modelMilliseconds: null },
  notes: [],
};

describe('the profile chart', () => {
  it('has one bar per layer and known share, as a percent', () => {
    expect(profileChartData(result)).toEqual([
      { layer: '1 dense', series: 'params', percent: 75 },
      { layer: '1 dense', series: 'FLOPs', percent: 50 },
      { layer: '1 dense', series: 'time', percent: 40 },
      { layer: '2 <script>&"\'', series: 'params', percent: 25 },
      { layer: '2 <script>&"\'', series: 'FLOPs', percent: 50 },
      { layer: '3 dense', series: 'params', percent: 0 },
      { layer: '3 dense', series: 'time', percent: 60 },
    ]);
  });

  it('renders as well-formed SVG with those bars, whatever the names hold', async () => {
    const svg = await renderVegaLiteSvg(profileChartSpec(result, 'model <&> .json'));
    const document = new DOMParser({ onError: (level, message) => { throw new Error(`${level}: ${message}`); } }).parseFromString(svg, 'image/svg+xml');
    const bars = Array.from(document.getElementsByTagName('path')).filter((path) => path.getAttribute('aria-roledescription') === 'bar');
    expect(bars).toHaveLength(7);
    expect(bars.some((bar) => (bar.getAttribute('aria-label') ?? '').includes('<script>&"\''))).toBe(true);
    expect(svg).not.toContain('<script>');
  }, 60_000);
});
