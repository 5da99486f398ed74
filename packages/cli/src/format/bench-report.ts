import type { MachineInfo } from '@whittle/bench';
import type { BenchReport } from '../commands/bench.ts';
import { formatBytes, formatCount, formatSi } from './numbers.ts';
import { formatTable, type TableColumn } from './table.ts';

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
  const columns: TableColumn[] = [
    { header: 'suite' },
    { header: 'case' },
    { header: 'backend' },
    { header: 'size' },
    { header: 'value', align: 'right' },
    { header: 'bound', align: 'right' },
    { header: 'of bound', align: 'right' },
  ];
  // A metric column only where a case has several figures (error and size, say), so rows that
  // case, backend and size alone leave ambiguous say what they are.
  const keys = report.rows.map((row) => JSON.stringify([row.suite, row.case, row.backend, row.size]));
  const hasMetrics = new Set(keys).size < keys.length;
  if (hasMetrics) columns.splice(4, 0, { header: 'metric' });
  // Peer columns only for suites that measure one, so other tables stay narrow.
  const hasPeers = report.rows.some((row) => row.peer !== undefined);
  if (hasPeers) columns.push({ header: 'peer' }, { header: 'peer value', align: 'right' }, { header: 'vs peer', align: 'right' });
  // The slowest and fastest run beside the median, for suites that report them.
  const hasSpread = report.rows.some((row) => row.spread !== undefined);
  if (hasSpread) columns.splice(columns.findIndex(({ header }) => header === 'bound'), 0, { header: 'min – max', align: 'right' });
  const table = formatTable(
    columns,
    report.rows.map((row) => {
      const cells = [
        row.suite,
        row.case,
        row.backend,
        row.size,
        ...(hasMetrics ? [row.metric] : []),
        formatRate(row.value, row.unit),
        ...(hasSpread ? [row.spread === undefined ? '' : `${formatSi(row.spread.min)} – ${formatSi(row.spread.max)}`] : []),
        row.bound === undefined ? '' : formatRate(row.bound, row.unit),
        row.bound === undefined ? '' : `${((100 * row.value) / row.bound).toFixed(1)}%`,
      ];
      if (hasPeers && row.peer !== undefined) {
        cells.push(row.peer.name, formatRate(row.peer.value, row.unit), `${(row.value / row.peer.value).toFixed(2)}×`);
      }
      return cells;
    }),
  );
  const notes = (report.notes ?? []).map((note) => `- ${note}`);
  return [...formatMachine(report.machine), `command: ${report.command}`, '', table, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
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

/** A figure with its unit: SI prefixes, except for units that carry one already (MB, MB/s). */
function formatRate(value: number, unit: string): string {
  if (/^[kMG]B\b/.test(unit)) return `${value >= 1000 ? formatCount(Math.round(value)) : formatSi(value)} ${unit}`;
  return `${formatSi(value)} ${unit}`;
}

function onOff(flag: boolean | undefined): string {
  return flag === true ? 'on' : flag === false ? 'off' : 'unknown';
}
