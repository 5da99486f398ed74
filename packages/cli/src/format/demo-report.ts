import type { DemoReport } from '../commands/demo.ts';
import { formatBytes, formatCount, formatFixed, formatScientific } from './numbers.ts';
import { formatTable } from './table.ts';

/**
 * The demo report as text: what ran, then one table row per variant.
 *
 * @example
 * ```ts
 * io.stdout(formatDemoReport(report));
 * ```
 */
export function formatDemoReport(report: DemoReport): string {
  const { backend, model, inputs } = report;
  const backendText =
    backend.name === 'wasm' ? `wasm (SIMD ${backend.simd ? 'on' : 'off'}, threads ${backend.threads ? 'on' : 'off'})` : backend.name;
  const header = [
    `model: MLP classifier ${model.layers.join(' → ')} (ReLU), ${formatCount(model.params)} params, He-initialised, seed ${model.seed}`,
    `inputs: ${inputs.batch} seeded uniform [0, 1) vectors (seed ${inputs.seed}); backend: ${backendText}`,
  ];
  const table = formatTable(
    [
      { header: 'variant' },
      { header: 'params', align: 'right' },
      { header: 'bytes', align: 'right' },
      { header: 'bits/weight', align: 'right' },
      { header: 'ratio', align: 'right' },
      { header: 'weight SQNR', align: 'right' },
      { header: 'max abs error', align: 'right' },
      { header: 'top-1 agree', align: 'right' },
      { header: 'logits max diff', align: 'right' },
    ],
    report.variants.map((variant) => [
      variant.variant,
      formatCount(variant.params),
      formatBytes(variant.bytes),
      formatFixed(variant.bitsPerWeight, 2),
      `${formatFixed(variant.compressionRatio, 2)}×`,
      `${formatFixed(variant.weightSqnrDb, 1)} dB`,
      formatScientific(variant.weightMaxAbsError),
      `${formatFixed(variant.top1AgreementPercent, 1)}%`,
      formatScientific(variant.logitsMaxAbsDiff),
    ]),
  );
  return [...header, '', table].join('\n');
}
