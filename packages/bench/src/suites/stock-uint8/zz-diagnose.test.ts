import { PARAM_ROLES, compress, createRecipeRegistry, isFloatDType, useBackend } from '@whittle/core';
import { quantizeHandlers, uint8 } from '@whittle/quantize';
import { it } from 'vitest';
import { graphModelDirectory, readGraphModels, runGraphModel } from './graph-models.ts';
import { relativeOutputError } from './output-error.ts';
import { stockArtifactsOf } from './stock-artifacts.ts';

const registry = createRecipeRegistry(quantizeHandlers);
it('one tensor at a time', async () => {
  await useBackend('wasm');
  const [files] = await readGraphModels(graphModelDirectory(), [process.env.M!]);
  const { model, artifacts } = files!;
  const reference = await runGraphModel(artifacts, 4, 1);
  const rows: [string, string, string, number][] = [];
  for (const param of model.params.values()) {
    if (param.value.kind !== 'dense' || !isFloatDType(param.value.tensor.dtype) || param.shape.reduce((a, b) => a * b, 1) < 2) continue;
    const { model: one } = await compress(model, [uint8({ include: [param.name], roles: [...PARAM_ROLES] })], { registry });
    rows.push([param.name, param.role, param.shape.join('x'), relativeOutputError(reference, await runGraphModel(stockArtifactsOf(one), 4, 1))]);
  }
  rows.sort((a, b) => b[3] - a[3]);
  console.log(rows.slice(0, 15).map((row) => `${(100 * row[3]).toFixed(3)}% ${row[1]} ${row[2]} ${row[0]}`).join('\n'));
}, 3_600_000);
