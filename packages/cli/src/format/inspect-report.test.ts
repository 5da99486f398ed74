import fc from 'fast-check';
import { expect, test } from 'vitest';
import { listingOf, type InspectReport, type InspectedTensor } from '../model-files/inspect-model.ts';
import { formatInspectReport, inspectReportChunks, inspectReportJsonChunks } from './inspect-report.ts';
import { formatBytes, formatCount } from './numbers.ts';
import { formatTable, formatTableChunks } from './table.ts';

const tensor = fc.record({
  name: fc.string(),
  role: fc.constantFrom('linear-weight' as const, 'bias' as const, 'other' as const),
  shape: fc.array(fc.nat({ max: 4096 }), { maxLength: 4 }),
  encoding: fc.constantFrom('dense float32', 'affine uint8 per-tensor'),
  params: fc.nat(),
  bytes: fc.nat(),
}) satisfies fc.Arbitrary<InspectedTensor>;

function reportOf(tensors: InspectedTensor[]): InspectReport {
  return { format: 'safetensors', params: tensors.reduce((total, each) => total + each.params, 0), bytes: 1, tensors };
}

/** Many tensors, so the pieces cross several chunk boundaries. */
const manyReport = reportOf(
  Array.from({ length: 25_001 }, (_, index) => ({ name: `t${index}`, role: 'other' as const, shape: [index % 3, 2], encoding: 'dense float32', params: 2, bytes: 8 })),
);
const many = listingOf(manyReport);

test('the JSON pieces join to exactly JSON.stringify of the report', () => {
  fc.assert(
    fc.property(fc.array(tensor, { maxLength: 5 }), (tensors) => {
      const report = reportOf(tensors);
      expect([...inspectReportJsonChunks(listingOf(report))].join('')).toBe(JSON.stringify(report, null, 2));
    }),
  );
  expect([...inspectReportJsonChunks(many)].join('')).toBe(JSON.stringify(manyReport, null, 2));
});

test('the text pieces join to the whole table, in pieces of bounded size', () => {
  const chunks = [...inspectReportChunks('many.safetensors', many)];
  expect(chunks.length).toBeGreaterThan(3);
  const text = chunks.join('');
  expect(text).toBe(formatInspectReport('many.safetensors', many));
  const lines = text.split('\n');
  expect(lines).toHaveLength(manyReport.tensors.length + 5);
  expect(lines[0]).toBe('model: many.safetensors (safetensors), 25,001 tensors');
  expect(lines[4 + 25_000]!.startsWith('t25000 ')).toBe(true);
  expect(lines[lines.length - 1]!.startsWith('total')).toBe(true);
});

test('table pieces join to one table whatever the row count', () => {
  const rows = Array.from({ length: 20_000 }, (_, index) => [`r${index}`, String(index)]);
  const columns = [{ header: 'name' }, { header: 'n', align: 'right' as const }];
  const text = [...formatTableChunks(columns, () => rows)].join('');
  expect(text).toBe(formatTable(columns, rows));
  expect(text.split('\n')).toHaveLength(20_002);
  expect(text.split('\n')[10_001]).toBe('r9999    9999');
});

test('the listing lays out as the generic table of its rows, whatever the names, shapes and sizes', () => {
  const anyTensor = fc.record({
    name: fc.string({ unit: 'binary', maxLength: 12 }),
    role: fc.constantFrom('linear-weight' as const, 'bias' as const, 'other' as const),
    shape: fc.array(fc.nat({ max: 100_000 }), { maxLength: 4 }),
    encoding: fc.constantFrom('dense float32', 'affine uint8 per-tensor', 'dense float16'),
    params: fc.nat({ max: 10 }),
    bytes: fc.nat({ max: 3_000_000 }),
  }) satisfies fc.Arbitrary<InspectedTensor>;
  fc.assert(
    fc.property(fc.array(anyTensor, { maxLength: 12 }), fc.boolean(), (tensors, repeat) => {
      // Runs of equal cells are what the layout reuses text for, so half the cases repeat rows.
      const listed = repeat ? tensors.flatMap((each) => [each, { ...each, name: `${each.name}′` }, { ...each, shape: [...each.shape] }]) : tensors;
      const report = reportOf(listed);
      const bits = (bytes: number, params: number): string => (params === 0 ? '' : ((8 * bytes) / params).toFixed(2));
      const rows = listed.map((each) => [
        each.name,
        each.role,
        `[${each.shape.join(', ')}]`,
        each.encoding,
        formatCount(each.params),
        formatBytes(each.bytes),
        bits(each.bytes, each.params),
      ]);
      rows.push(['total', '', '', '', formatCount(report.params), formatBytes(report.bytes), bits(report.bytes, report.params)]);
      const columns = ['name', 'role', 'shape', 'encoding'].map((header) => ({ header }));
      const table = formatTable([...columns, ...['params', 'bytes', 'bits/weight'].map((header) => ({ header, align: 'right' as const }))], rows);
      const count = listed.length;
      expect(formatInspectReport('m', listingOf(report))).toBe(`model: m (safetensors), ${formatCount(count)} ${count === 1 ? 'tensor' : 'tensors'}\n\n${table}`);
    }),
  );
});
