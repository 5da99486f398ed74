import { expect } from 'vitest';
import type { ChannelGroup } from './types.ts';

/** The one group holding `param`'s `axis` with `effect` (a test fails when there is not exactly one). */
export function groupWith(groups: readonly ChannelGroup[], param: string, axis: number, effect = 'produces'): ChannelGroup {
  const found = groups.filter((group) =>
    group.entries.some((entry) => entry.param === param && entry.axis === axis && entry.effect === effect),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}
