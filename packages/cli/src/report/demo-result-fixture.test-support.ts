/**
 * A demo result for the report's tests: two models, a dozen rows, and every kind of missing
 * figure (no latency, no ratio, layers stored as floats or dense).
 */
import { DEEP_COMPRESSION_PAPER, type DemoLayerRow, type DemoResult, type DemoRow } from '../demo/demo-result.ts';

function row(name: string, bytes: number, accuracy: number, latencyMs: number | null, baselineBytes: number, baselineAccuracy: number, layers: DemoLayerRow[] = []): DemoRow {
  return {
    name,
    recipe: { steps: [{ kind: name }] },
    params: 266_610,
    nonzero: 200_000,
    bytes,
    gzipBytes: Math.round(bytes * 0.9),
    ratio: baselineBytes / bytes,
    accuracy,
    accuracyChange: accuracy - baselineAccuracy,
    latencyMs,
    speedup: latencyMs === null ? null : 2 / latencyMs,
    layers,
  };
}

const mlpPaper = DEEP_COMPRESSION_PAPER['lenet-300-100'].layers;
const convPaper = DEEP_COMPRESSION_PAPER['lenet-5'].layers;

/** Layers of a deep-compression row: the last one stored as floats and dense (null bits). */
function layers(names: readonly string[], paper: typeof mlpPaper, kept: readonly number[]): DemoLayerRow[] {
  return names.map((layer, at) => ({
    layer,
    weights: 1_000 * (at + 1),
    keptPercent: kept[at]!,
    weightBits: at === names.length - 1 ? null : 5,
    indexBits: at === names.length - 1 ? null : 4,
    bytes: 100 * (at + 1),
    sharePercent: 2.5,
    paper: paper[at] ?? null,
  }));
}

/** The fixture: 7 + 5 rows; `latencyMs` is null on 2 of them, `ratio` null on 1. */
export function demoResultFixture(): DemoResult {
  const mlpBytes = 1_068_000;
  const convBytes = 1_726_000;
  return {
    dataset: { name: 'mnist', train: 8_000, test: 2_000 },
    models: [
      {
        name: 'lenet-300-100',
        baseline: { params: 266_610, bytes: mlpBytes, accuracy: 96.5 },
        rows: [
          row('deep-compression', 26_000, 96.45, 1.9, mlpBytes, 96.5, layers(['dense', 'dense_1', 'dense_2'], mlpPaper, [8, 9, 26])),
          row('deep-compression-searched', 20_000, 96.42, 1.8, mlpBytes, 96.5, layers(['dense', 'dense_1', 'dense_2'], mlpPaper, [6, 8, 30])),
          row('int8', 270_000, 96.5, 1.5, mlpBytes, 96.5),
          row('int4-g32', 150_000, 96.1, null, mlpBytes, 96.5),
          row('kmeans-4bit', 140_000, 96.3, 1.6, mlpBytes, 96.5),
          row('float16', 534_000, 96.5, 1.2, mlpBytes, 96.5),
          { ...row('lowrank-25', 300_000, 95.9, 0.8, mlpBytes, 96.5), ratio: null },
        ],
      },
      {
        name: 'lenet-5',
        baseline: { params: 431_080, bytes: convBytes, accuracy: 98.4 },
        rows: [
          row('deep-compression', 43_000, 98.35, 6.1, convBytes, 98.4, layers(['conv2d', 'conv2d_1', 'dense', 'dense_1'], convPaper, [66, 12, 8, 19])),
          row('int8', 440_000, 98.4, 5.2, convBytes, 98.4),
          row('uint8-stock', 436_000, 98.3, null, convBytes, 98.4),
          row('prune-structured-50', 870_000, 98.0, 3.1, convBytes, 98.4),
          row('distilled-student', 90_000, 97.6, 0.9, convBytes, 98.4),
        ],
      },
    ],
  };
}
