import { profile, type BackendName, type Model, type ModelProfile } from '@whittle/core';
import type { ResultRow } from '../../result-row.ts';

/**
 * The profile of `model` as rows: per layer its params, multiply-adds for one input and the
 * median milliseconds of the layer run alone on `backend`, then the whole model's time. Returns
 * the profile too, for a chart.
 *
 * @example
 * ```ts
 * const { rows, profile } = await profileRows('mlp', model, 'wasm', 10);
 * ```
 */
export async function profileRows(name: string, model: Model, backend: BackendName, runs: number): Promise<{ rows: ResultRow[]; profile: ModelProfile }> {
  const result = await profile(model, { backend, runs });
  const rows: ResultRow[] = [];
  for (const layer of result.layers) {
    if (layer.params === 0 && (layer.flops ?? 0) === 0) continue;
    const base = { suite: 'search', case: `${name}: profile ${layer.name} (${layer.type})`, backend, size: `${layer.params} params` };
    rows.push({ ...base, metric: 'params share', value: layer.shares.params ?? 0, unit: 'fraction' });
    if (layer.flops !== null) rows.push({ ...base, metric: 'multiply-adds', value: layer.flops, unit: 'MACs' });
    if (layer.milliseconds !== null) rows.push({ ...base, metric: 'latency', value: layer.milliseconds, unit: 'ms' });
  }
  const { totals } = result;
  if (totals.modelMilliseconds !== null) {
    rows.push({ suite: 'search', case: `${name}: profile whole model`, backend, size: `${totals.params} params`, metric: 'latency', value: totals.modelMilliseconds, unit: 'ms' });
  }
  return { rows, profile: result };
}
