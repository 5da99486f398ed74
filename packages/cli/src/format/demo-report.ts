import { DEEP_COMPRESSION_PAPER, type DemoModelResult, type DemoResult, type DemoRow } from '../demo/demo-result.ts';
import { formatBytes, formatCount, formatFixed } from './numbers.ts';
import { formatTable } from './table.ts';

/**
 * The demo's result as text: per network, its baseline, one row per compressed model (each
 * measured as saved and re-read from disk), then a per-layer table in Deep Compression's format
 * for each deep-compression row, beside the paper's figures.
 *
 * @example
 * ```ts
 * io.stdout(`${formatDemoResult(result)}\n`);
 * ```
 */
export function formatDemoResult(result: DemoResult): string {
  const header = `MNIST digits of the mnist package: ${formatCount(result.dataset.train)} to train, ${formatCount(result.dataset.test)} held out to test`;
  return [header, ...result.models.map(formatModel)].join('\n\n');
}

function formatModel(model: DemoModelResult): string {
  const { baseline } = model;
  const paper = (DEEP_COMPRESSION_PAPER as Record<string, (typeof DEEP_COMPRESSION_PAPER)['lenet-5'] | undefined>)[model.name];
  const lines = [
    `${model.name}: baseline ${formatCount(baseline.params)} params, ${formatBytes(baseline.bytes)} on disk, ${formatFixed(baseline.accuracy, 2)}% test accuracy` +
      (model.training === undefined ? '' : `, trained on ${formatCount(model.training.digits)} digits (${model.training.epochs} epochs) in ${formatFixed(model.training.seconds, 1)} s`),
  ];
  if (paper !== undefined) {
    lines.push(
      `paper (Han et al. 2016): ${formatBytes(paper.baselineBytes)} → ${formatBytes(paper.compressedBytes)}, ${paper.ratio}×, error ${paper.errorBefore}% → ${paper.errorAfter}%`,
    );
  }
  lines.push(
    '',
    formatTable(
      [
        { header: 'row' },
        { header: 'params', align: 'right' },
        { header: 'nonzero', align: 'right' },
        { header: 'bytes', align: 'right' },
        { header: 'gzip', align: 'right' },
        { header: 'ratio', align: 'right' },
        { header: 'accuracy', align: 'right' },
        { header: 'change', align: 'right' },
        { header: 'latency', align: 'right' },
        { header: 'speedup', align: 'right' },
      ],
      model.rows.map((row) => [
        row.name,
        formatCount(row.params),
        formatCount(row.nonzero),
        formatBytes(row.bytes),
        formatBytes(row.gzipBytes),
        row.ratio === null ? '–' : `${formatFixed(row.ratio, 1)}×`,
        `${formatFixed(row.accuracy, 2)}%`,
        `${row.accuracyChange >= 0 ? '+' : ''}${formatFixed(row.accuracyChange, 2)}`,
        row.latencyMs === null ? '–' : `${formatFixed(row.latencyMs, 2)} ms`,
        row.speedup === null ? '–' : `${formatFixed(row.speedup, 2)}×`,
      ]),
    ),
  );
  for (const row of model.rows.filter(({ layers }) => layers.length > 0)) lines.push('', formatLayers(row));
  return lines.join('\n');
}

function formatLayers(row: DemoRow): string {
  const bits = (value: number | null) => (value === null ? '–' : String(value));
  return [
    `${row.name}, per layer (paper: Han et al. 2016, Tables 2 and 3):`,
    formatTable(
      [
        { header: 'layer' },
        { header: 'weights', align: 'right' },
        { header: 'kept', align: 'right' },
        { header: 'weight bits', align: 'right' },
        { header: 'index bits', align: 'right' },
        { header: 'bytes', align: 'right' },
        { header: 'share', align: 'right' },
        { header: 'paper kept', align: 'right' },
        { header: 'paper bits', align: 'right' },
      ],
      row.layers.map((layer) => [
        layer.layer,
        formatCount(layer.weights),
        `${formatFixed(layer.keptPercent, 1)}%`,
        bits(layer.weightBits),
        bits(layer.indexBits),
        formatBytes(layer.bytes),
        `${formatFixed(layer.sharePercent, 2)}%`,
        layer.paper === null ? '–' : `${layer.paper.keptPercent}%`,
        layer.paper === null ? '–' : `${layer.paper.weightBits} / ${layer.paper.indexBits}`,
      ]),
    ),
  ].join('\n');
}
