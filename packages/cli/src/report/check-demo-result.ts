/**
 * The structure a report is drawn from, checked before anything is rendered or written.
 */
import { WhittleError } from '@whittle/core';
import type { DemoResult } from '../demo/demo-result.ts';

/** The most models one report draws. */
export const MAX_REPORT_MODELS = 64;
/** The most rows of one model, and layers of one row, one report draws. */
export const MAX_REPORT_ROWS = 1_000;

/**
 * Refuses a result the report cannot be drawn from, with an `invalid-argument` WhittleError
 * naming the field (`result.models[1].rows[3].name`): lists that are not lists, names that are
 * not strings, or more models, rows or layers than a page of plots can hold. Figures are not
 * checked here: a figure that is missing or not finite is drawn as a gap (left out of the plots,
 * a dash in the tables).
 *
 * @example
 * ```ts
 * checkDemoResult(JSON.parse(text)); // throws unless it has the shape of a DemoResult
 * ```
 */
export function checkDemoResult(result: unknown): asserts result is DemoResult {
  const root = record(result, 'result');
  record(root.dataset, 'result.dataset');
  const models = list(root.models, 'result.models', MAX_REPORT_MODELS);
  models.forEach((model, modelAt) => {
    const modelField = `result.models[${modelAt}]`;
    const modelRecord = record(model, modelField);
    text(modelRecord.name, `${modelField}.name`);
    record(modelRecord.baseline, `${modelField}.baseline`);
    list(modelRecord.rows, `${modelField}.rows`, MAX_REPORT_ROWS).forEach((row, rowAt) => {
      const rowField = `${modelField}.rows[${rowAt}]`;
      const rowRecord = record(row, rowField);
      text(rowRecord.name, `${rowField}.name`);
      list(rowRecord.layers, `${rowField}.layers`, MAX_REPORT_ROWS).forEach((layer, layerAt) => {
        const layerField = `${rowField}.layers[${layerAt}]`;
        const layerRecord = record(layer, layerField);
        text(layerRecord.layer, `${layerField}.layer`);
        if (layerRecord.paper !== null && layerRecord.paper !== undefined) text(record(layerRecord.paper, `${layerField}.paper`).layer, `${layerField}.paper.layer`);
      });
    });
  });
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WhittleError('invalid-argument', 'is not an object', { field });
  return value as Record<string, unknown>;
}

function list(value: unknown, field: string, limit: number): readonly unknown[] {
  if (!Array.isArray(value)) throw new WhittleError('invalid-argument', 'is not a list', { field });
  if (value.length > limit) throw new WhittleError('invalid-argument', `has ${value.length} entries; a report draws at most ${limit}`, { field });
  return value;
}

function text(value: unknown, field: string): void {
  if (typeof value !== 'string') throw new WhittleError('invalid-argument', 'is not a string', { field });
}
