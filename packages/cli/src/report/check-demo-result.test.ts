import { describe, expect, it } from 'vitest';
import { checkDemoResult, MAX_REPORT_ROWS } from './check-demo-result.ts';
import { demoResultFixture } from './demo-result-fixture.test-support.ts';

describe('checkDemoResult', () => {
  it('accepts the demo’s result, nulls and all', () => {
    expect(() => checkDemoResult(demoResultFixture())).not.toThrow();
  });

  it('names the field of each wrong shape', () => {
    const fixture = demoResultFixture();
    const model = fixture.models[0]!;
    const row = model.rows[0]!;
    const cases: [unknown, string][] = [
      [null, 'result'],
      [[], 'result'],
      [{ models: [] }, 'result.dataset'],
      [{ ...fixture, models: {} }, 'result.models'],
      [{ ...fixture, models: [{ ...model, name: 5 }] }, 'result.models[0].name'],
      [{ ...fixture, models: [{ ...model, baseline: null }] }, 'result.models[0].baseline'],
      [{ ...fixture, models: [{ ...model, rows: [row, 'int8'] }] }, 'result.models[0].rows[1]'],
      [{ ...fixture, models: [{ ...model, rows: [{ ...row, layers: undefined }] }] }, 'result.models[0].rows[0].layers'],
      [{ ...fixture, models: [{ ...model, rows: [{ ...row, layers: [{ ...row.layers[0], layer: null }] }] }] }, 'result.models[0].rows[0].layers[0].layer'],
      [{ ...fixture, models: [{ ...model, rows: [{ ...row, layers: [{ ...row.layers[0], paper: { layer: 1 } }] }] }] }, 'result.models[0].rows[0].layers[0].paper.layer'],
      [{ ...fixture, models: [{ ...model, rows: new Array(MAX_REPORT_ROWS + 1).fill(row) }] }, 'result.models[0].rows'],
    ];
    for (const [result, field] of cases) {
      let caught: unknown;
      try {
        checkDemoResult(result);
      } catch (error) {
        caught = error;
      }
      expect(caught, field).toMatchObject({ name: 'WhittleError', code: 'invalid-argument', field });
      expect((caught as Error).message).not.toMatch(/\n/);
    }
  });
});
