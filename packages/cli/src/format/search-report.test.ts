import type { SearchResult } from '@whittle/core';
import { expect, test } from 'vitest';
import { formatSearchReport } from './search-report.ts';

function result(overrides: Partial<SearchResult>): SearchResult {
  const figures = { bytes: 1000, params: 250 };
  return {
    recipe: [{ kind: 'quantize.int8' }],
    model: undefined as never,
    target: { maxBytes: 500 },
    met: true,
    choices: [{ param: 'dense/kernel', setting: { label: 'int8' } }] as never,
    original: figures,
    predicted: { ...figures, bytes: 400 },
    measured: { ...figures, bytes: 410 },
    rounds: 1,
    optimal: true,
    loss: 'output-error',
    candidates: [],
    sensitivity: undefined as never,
    ...overrides,
  };
}

/** The cells of the text table's row that starts with `label`. */
function rowCells(report: string, label: string): string[] {
  const line = report.split('\n').find((candidate) => candidate.startsWith(label))!;
  return line.trim().split(/\s{2,}/);
}

test('the measured divergence is printed beside the output error, and the Pareto column names the loss', () => {
  const report = formatSearchReport(
    result({
      loss: 'divergence',
      metric: 'accuracy',
      original: { bytes: 1000, params: 250, metric: 0.9, outputError: 0, divergence: 0 },
      measured: { bytes: 410, params: 250, metric: 0.89, outputError: 0.0125, divergence: 0.00204 },
    }),
  );
  const header = rowCells(report, ' '.repeat(8)).join(' ');
  expect(header).toContain('output error divergence latency ms');
  expect(rowCells(report, 'measured')).toEqual(['measured', '410 B', '250', '0.8900', '1.25e-2', '2.04e-3', '-']);
  expect(rowCells(report, 'original')).toEqual(['original', '1.00 kB', '250', '0.9000', '0.00e+0', '0.00e+0', '-']);
  expect(report).toMatch(/candidate\s+bytes\s+accuracy\s+loss \(divergence\)/);
});

test("a model whose outputs are not class scores prints '-' for the divergence", () => {
  const report = formatSearchReport(result({ measured: { bytes: 410, params: 250, outputError: 0.5 } }));
  expect(rowCells(report, 'measured')).toEqual(['measured', '410 B', '250', '-', '5.00e-1', '-', '-']);
  expect(report).toMatch(/loss \(output-error\)/);
});
