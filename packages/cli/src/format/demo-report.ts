import type { DemoReport } from '../commands/demo.ts';
import { formatBytes, formatCount, formatFixed, formatScientific } from './numbers.ts';
import { formatTable } from './table.ts';

/**
 * The demo report as text: what was trained and tested, then one table row per variant.
 *
 * @example
 * ```ts
 * io.stdout(formatDemoReport(report));
 * ```
 */
export function formatDemoReport(report: DemoReport): string {
  const { backend, model, training, inputs } = report;
  const backendText =
    backend.name === 'wasm' ? `wasm (SIMD ${backend.simd ? 'on' : 'off'}, threads ${backend.threads ? 'on' : 'off'})` : backend.name;
  const header = [
    `model: MLP classifier ${model.layers.join(' → ')} (ReLU), ${formatCount(model.params)} params, seed ${model.seed}`,
    `trained: ${formatCount(training.digits)} MNIST digits, ${training.epochs} epochs, Adam; ${formatFixed(training.seconds, 1)} s on ${backendText}`,
    `tested: ${formatCount(inputs.digits)} held-out MNIST digits (split seed ${inputs.seed})`,
  ];
  const table = formatTable(
    [
      { header: 'variant' },
      { header: 'params', align: 'right' },
      { header: 'bytes', align: 'right' },
      { header: 'bits/weight', align: 'right' },
      { header: 'ratio', align: 'right' },
      { header: 'weight SQNR', align: 'right' },
      { header: 'accuracy', align: 'right' },
      { header: 'top-1 agree', align: 'right' },
      { header: 'logits max diff', align: 'right' },
    ],
    report.variants.map((variant) => [
      variant.variant,
      formatCount(variant.params),
      formatBytes(variant.bytes),
      formatFixed(variant.bitsPerWeight, 2),
      `${formatFixed(variant.ratio, 2)}×`,
      `${formatFixed(variant.weightSqnrDb, 1)} dB`,
      `${formatFixed(variant.top1AccuracyPercent, 2)}%`,
      `${formatFixed(variant.top1AgreementPercent, 2)}%`,
      formatScientific(variant.logitsMaxAbsDiff),
    ]),
  );
  return [...header, '', table].join('\n');
}
