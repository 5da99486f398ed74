import type { LayerProfile, ModelProfile } from '@whittle/core';
import { describe, expect, it } from 'vitest';
import { formatProfileReport, profileJson } from './profile-report.ts';

function layer(name: string, fields: Partial<LayerProfile> = {}): LayerProfile {
  return {
    name,
    type: 'Dense',
    params: 10,
    bytes: 40,
    encodings: ['dense float32'],
    outputShapes: [[1, 2]],
    flops: 8,
    activationBytes: 8,
    milliseconds: 0.5,
    shares: { params: 0.5, bytes: 0.5, flops: 0.5, time: 0.5 },
    notes: [],
    ...fields,
  };
}

function profileOf(layers: LayerProfile[]): ModelProfile {
  return {
    format: 'tfjs-layers',
    backend: 'cpu',
    inputShapes: [[1, 4]],
    runs: 3,
    warmup: 1,
    layers,
    totals: { params: 20, bytes: 80, flops: 16, activationBytes: 16, peakActivationBytes: 12, layerMilliseconds: 1, modelMilliseconds: 1.25 },
    notes: [],
  };
}

describe('formatProfileReport', () => {
  it('escapes control characters in names and notes, so a name cannot forge a row', () => {
    const text = formatProfileReport('model\n.json', profileOf([
      layer('evil\nfake  Dense  999'),
      layer('\u001b[31mred', { flops: null, milliseconds: null, shares: { params: 0.5, bytes: 0.5, flops: null, time: null }, notes: ['flops: layer "x\ny" is odd'] }),
    ]));
    expect(text).not.toContain('\u001b');
    expect(text).toContain('evil\\nfake');
    expect(text.split('\n').filter((line) => line.startsWith('fake'))).toEqual([]);
    expect(text).toMatch(/^note: flops: layer "x\\ny" is odd$/m);
    // Unknown figures show as '-'.
    expect(text).toMatch(/^\\u001b\[31mred\s+Dense\s+10\s+40 B\s+-\s+8 B\s+-\s+50\.0\s+50\.0\s+-\s+-$/m);
    expect(text).toMatch(/whole model 1\.250 ms, layers alone 1\.000 ms in all/);
  });

  it('counts a note shared by several layers once', () => {
    const note = 'shapes: an input comes from a layer whose output is not known';
    const text = formatProfileReport('m', profileOf([layer('a', { notes: [note] }), layer('b', { notes: [note] })]));
    expect(text.split('\n').filter((line) => line.startsWith('note:'))).toEqual([`note: ${note} (2 layers)`]);
  });
});

describe('profileJson', () => {
  it('writes numbers or null, never "Infinity" or "NaN"', () => {
    const result = profileOf([layer('a', { milliseconds: Number.POSITIVE_INFINITY, flops: Number.NaN })]);
    const parsed = JSON.parse(profileJson(result));
    expect(parsed.layers[0].milliseconds).toBeNull();
    expect(parsed.layers[0].flops).toBeNull();
    expect(parsed.totals.params).toBe(20);
  });
});
