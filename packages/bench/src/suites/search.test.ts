import { expect, test } from 'vitest';
import { searchSuite } from './search.ts';
import { QUICK_SEARCH_PLAN } from './search/search-plan.ts';

// The quick suite trains a 784 → 32 → 10 MLP and a 4/8-filter CNN on 600 digits and searches
// each at 1/8 and 1/32 of float32: well under a minute. Accuracies are not asserted (the models
// are barely trained); sizes, budgets and the shape of the report are.
test(
  'search --quick: each model profiled, searched under each budget against the best uniform recipe',
  async () => {
    const { rows, notes, profiles, backends } = await searchSuite.run({ quick: true });
    expect(backends.map(({ name }) => name)).toEqual(['wasm']);
    const models = ['mnist mlp 784-32-10', 'mnist cnn c4-c8-d16'];
    expect(profiles?.map(({ name }) => name)).toEqual(models);
    for (const row of rows) {
      expect(row.suite).toBe('search');
      expect(Number.isFinite(row.value)).toBe(true);
    }
    for (const model of models) {
      const float = rows.find((row) => row.case === `${model}: float32` && row.metric === 'accuracy')!;
      const floatBytes = Number.parseInt(float.size, 10);
      // Every profiled layer's params shares add up to the whole model.
      const shares = rows.filter((row) => row.case.startsWith(`${model}: profile `) && row.metric === 'params share');
      expect(shares.reduce((total, row) => total + row.value, 0)).toBeCloseTo(1, 9);
      for (const divisor of QUICK_SEARCH_PLAN.divisors) {
        const budget = Math.floor(floatBytes / divisor);
        const bytes = rows.find((row) => row.case === `${model}: 1/${divisor} searched` && row.metric === 'bytes');
        // A budget is searched, or the notes say why not (the smallest reachable size).
        if (bytes === undefined) {
          expect(notes?.some((note) => note.startsWith(`${model} at 1/${divisor}: no recipe`))).toBe(true);
          continue;
        }
        expect(bytes.value).toBeLessThanOrEqual(budget);
        if (bytes.peer !== undefined) expect(bytes.peer.value).toBeLessThanOrEqual(budget);
        const accuracy = rows.find((row) => row.case === `${model}: 1/${divisor} searched` && row.metric === 'accuracy')!;
        expect(accuracy.value).toBeGreaterThanOrEqual(0);
        expect(accuracy.value).toBeLessThanOrEqual(1);
      }
    }
  },
  600_000,
);
