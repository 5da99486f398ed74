import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layerPlotFileNames } from './plot-file-names.ts';

describe('layerPlotFileNames', () => {
  it('names the paper’s models plainly', () => {
    expect(layerPlotFileNames(['lenet-300-100', 'lenet-5'])).toEqual(['layers-lenet-300-100.svg', 'layers-lenet-5.svg']);
  });

  it('gives every model its own safe file directly inside the folder', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('..', '.', '/', '../x', 'a/b', 'LeNet 5', 'lenet-5', 'lenet-5-2', '')), { maxLength: 20 }), (models) => {
        const names = layerPlotFileNames(models);
        expect(names).toHaveLength(models.length);
        expect(new Set(names).size).toBe(names.length);
        for (const name of names) {
          expect(name).toMatch(/^layers-[a-z0-9_][a-z0-9._-]*\.svg$/);
          expect(name.length).toBeLessThanOrEqual(100);
          expect(resolve('/out', name)).toBe(`/out/${name}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
