import { escapeControlCharacters, type SearchCandidate, type SearchFigures, type SearchResult } from '@whittle/core';
import type { StudentSearchResult } from '@whittle/distill';
import { formatBytes, formatCount, formatFixed } from './numbers.ts';
import { formatTable } from './table.ts';

/** The most Pareto rows printed; the JSON output holds every candidate. */
export const MAX_PARETO_ROWS = 40;

/**
 * What `whittle search` prints as text: the target and whether it is met, the chosen setting of
 * each layer, the recipe as JSON, the original, predicted and measured figures side by side
 * (metric, output error and, for class scores, the KL divergence from the original's outputs),
 * and the Pareto front of the candidates evaluated (bytes against the search's loss, named),
 * smallest first.
 *
 * @example
 * ```ts
 * io.stdout(formatSearchReport(result, { recipePath: 'recipe.json' }));
 * ```
 */
export function formatSearchReport(result: SearchResult, written: { readonly recipePath?: string; readonly svgPath?: string } = {}): string {
  const [field, value] = Object.entries(result.target)[0]!;
  const choices = formatTable(
    [{ header: 'param' }, { header: 'setting' }],
    result.choices.map(({ param, setting }) => [param, setting?.label ?? 'keep']),
  );
  const figures = formatTable(
    [{ header: '' }, { header: 'bytes', align: 'right' }, { header: 'params', align: 'right' }, { header: result.metric ?? 'metric', align: 'right' }, { header: 'output error', align: 'right' }, { header: 'divergence', align: 'right' }, { header: 'latency ms', align: 'right' }],
    [
      ['original', ...figureCells(result.original)],
      ['predicted', ...figureCells(result.predicted)],
      ['measured', ...figureCells(result.measured)],
    ],
  );
  const front = result.candidates.filter(({ pareto }) => pareto).sort((left, right) => left.bytes - right.bytes || left.loss - right.loss);
  const pareto = formatTable(
    [{ header: 'candidate' }, { header: 'bytes', align: 'right' }, { header: result.metric ?? 'metric', align: 'right' }, { header: `loss (${result.loss})`, align: 'right' }],
    front.slice(0, MAX_PARETO_ROWS).map((candidate) => paretoCells(candidate)),
  );
  return [
    `target: ${field} ${value}: ${result.met ? 'met' : 'NOT met'} after ${result.rounds} round${result.rounds === 1 ? '' : 's'}${result.optimal ? '' : ' (choice not proven optimal)'}`,
    '',
    choices,
    '',
    `recipe${written.recipePath === undefined ? '' : ` (written to ${escapeControlCharacters(written.recipePath)})`}:`,
    JSON.stringify(result.recipe),
    '',
    figures,
    '',
    `Pareto front of ${result.candidates.length} candidates evaluated${front.length > MAX_PARETO_ROWS ? ` (first ${MAX_PARETO_ROWS} of ${front.length})` : ''}:`,
    pareto,
    ...(written.svgPath === undefined ? [] : ['', `chart written to ${escapeControlCharacters(written.svgPath)}`]),
  ].join('\n');
}

function figureCells(figures: SearchFigures): string[] {
  return [
    formatBytes(figures.bytes),
    formatCount(figures.params),
    figures.metric === undefined ? '-' : formatFixed(figures.metric, 4),
    figures.outputError === undefined ? '-' : figures.outputError.toExponential(2),
    figures.divergence === undefined ? '-' : figures.divergence.toExponential(2),
    figures.latencyMs === undefined ? '-' : formatFixed(figures.latencyMs, 3),
  ];
}

function paretoCells(candidate: SearchCandidate): string[] {
  return [candidate.label, formatBytes(candidate.bytes), candidate.metric === undefined ? '-' : formatFixed(candidate.metric, 4), candidate.loss.toExponential(2)];
}

/**
 * The student search as text: the teacher, then each student scored (its spec, bytes, params,
 * metric, training seconds, and `*` on the Pareto front), then the specs skipped and why.
 *
 * @example
 * ```ts
 * io.stdout(formatStudentReport(students));
 * ```
 */
export function formatStudentReport(result: StudentSearchResult): string {
  const table = formatTable(
    [{ header: 'student' }, { header: 'bytes', align: 'right' }, { header: 'params', align: 'right' }, { header: 'accuracy', align: 'right' }, { header: 'seconds', align: 'right' }, { header: 'Pareto' }],
    [
      ['teacher', formatBytes(result.teacher.bytes), formatCount(result.teacher.params), formatFixed(result.teacher.metric, 4), '-', ''],
      ...result.candidates.map((candidate) => [JSON.stringify(candidate.spec), formatBytes(candidate.bytes), formatCount(candidate.params), formatFixed(candidate.metric, 4), formatFixed(candidate.seconds, 1), candidate.pareto ? '*' : '']),
    ],
  );
  return ['Students (distilled, then scored on the same data):', table, ...result.skipped.map(({ spec, reason }) => `skipped ${JSON.stringify(spec)}: ${escapeControlCharacters(reason)}`)].join('\n');
}
