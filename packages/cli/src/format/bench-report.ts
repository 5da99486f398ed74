import type { MachineInfo } from '@whittle/bench';
import type { BenchReport } from '../commands/bench.ts';
import { formatBytes, formatSi } from './numbers.ts';
import { formatTable } from './table.ts';

/**
 * A benchmark report as text: the machine, then one table row per figure with its bound and
 * the fraction of the bound reached.
 *
 * @example
 * ```ts
 * io.stdout(formatBenchReport(report));
 * ```
 */
export function formatBenchReport(report: BenchReport): string {
  const table = formatTable(
    [
      { header: 'suite' },
      { header: 'case' },
      { header: 'backend' },
      { header: 'size' },
      { header: 'value', align: 'right' },
      { header: 'bound', align: 'right' },
      { header: 'of bound', align: 'right' },
    ],
    report.rows.map((row) => [
      row.suite,
      row.case,
      row.backend,
      row.size,
      formatRate(row.value, row.unit),
      row.bound === undefined ? '' : formatRate(row.bound, row.unit),
      row.bound === undefined ? '' : `${((100 * row.value) / row.bound).toFixed(1)}%`,
    ]),
  );
  return [...formatMachine(report.machine), `command: ${report.command}`, '', table].join('\n');
}

/**
 * The machine a report was measured on, one fact per line.
 *
 * @example
 * ```ts
 * formatMachine(await machineInfo()).join('\n');
 * ```
 */
export function formatMachine(machine: MachineInfo): string[] {
  const backends = machine.backends.map(({ name, simd, threads }) =>
    name === 'wasm' ? `wasm (SIMD ${onOff(simd)}, threads ${onOff(threads)})` : name,
  );
  return [
    `cpu: ${machine.cpu}, ${machine.cores} cores${machine.memoryBytes === undefined ? '' : `, ${formatBytes(machine.memoryBytes)} memory`}`,
    `os: ${machine.os}`,
    `runtime: ${machine.runtime} ${machine.runtimeVersion ?? ''}`.trimEnd(),
    `tfjs: ${machine.tfjsVersion}${backends.length > 0 ? `, backends: ${backends.join(', ')}` : ''}`,
  ];
}

function formatRate(value: number, unit: string): string {
  return `${formatSi(value)} ${unit}`;
}

function onOff(flag: boolean | undefined): string {
  return flag === true ? 'on' : flag === false ? 'off' : 'unknown';
}
