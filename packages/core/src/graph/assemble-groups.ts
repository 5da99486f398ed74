import { MAX_REASONS, type ChannelSlots, type PendingEntry } from './channel-slots.ts';
import type { ChannelGroup } from './types.ts';

/**
 * The groups the analysis found: spaces joined through any slot form one group, whose channels
 * are its distinct slot sets; entries are split by group. Groups that touch no param are left out.
 *
 * @example
 * ```ts
 * const groups = assembleGroups(slots, entries, shapeEntries, resizes);
 * ```
 */
export function assembleGroups(
  slots: ChannelSlots,
  pending: readonly PendingEntry[],
  pendingShapes: readonly PendingEntry[],
  resizes: ReadonlyArray<{ node: string; attribute: string; space: number }>,
): ChannelGroup[] {
  // Spaces joined through any channel form one group; its channels are the joined slots.
  const spaceGroup = new Map<number, number>();
  const rootGroup = new Map<number, number>();
  const groupSpaces: number[][] = [];
  const spaceParent = slots.spaces.map((_, index) => index);
  const findSpace = (space: number): number => {
    while (spaceParent[space] !== space) space = spaceParent[space] = spaceParent[spaceParent[space]!]!;
    return space;
  };
  slots.parent.forEach((_, slot) => {
    const a = findSpace(slots.space[slot]!);
    const b = findSpace(slots.space[slots.find(slot)]!);
    if (a !== b) spaceParent[Math.max(a, b)] = Math.min(a, b);
  });
  slots.spaces.forEach((_, space) => {
    const root = findSpace(space);
    let group = spaceGroup.get(root);
    if (group === undefined) {
      group = groupSpaces.length;
      groupSpaces.push([]);
      spaceGroup.set(root, group);
    }
    groupSpaces[group]!.push(space);
  });
  const channelOf = new Map<number, number>();
  const channelCounts = groupSpaces.map((spaces) => {
    let count = 0;
    for (const space of spaces) {
      for (const slot of slots.spaces[space]!) {
        const root = slots.find(slot);
        if (!channelOf.has(root)) channelOf.set(root, count++);
      }
    }
    return count;
  });
  for (const [slot] of channelOf) rootGroup.set(slot, spaceGroup.get(findSpace(slots.space[slot]!))!);
  // Each entry split by group: the indices each channel of each group owns.
  const split = (list: readonly PendingEntry[]) => {
    const byGroup = groupSpaces.map(() => new Map<string, { entry: PendingEntry; indices: number[][] }>());
    for (const entry of list) {
      entry.slots.forEach((slot, index) => {
        const root = slots.find(slot);
        const group = rootGroup.get(root)!;
        const key = `${entry.node}\u0000${entry.param}\u0000${entry.axis}\u0000${entry.effect}`;
        let target = byGroup[group]!.get(key);
        if (target === undefined) {
          target = { entry, indices: Array.from({ length: channelCounts[group]! }, () => []) };
          byGroup[group]!.set(key, target);
        }
        target.indices[channelOf.get(root)!]!.push(index);
      });
    }
    return byGroup;
  };
  const groupEntries = split(pending);
  const groupShapes = split(pendingShapes);
  const resizesBySpace = new Map<number, Array<{ node: string; attribute: string }>>();
  for (const { node, attribute, space } of resizes) {
    let list = resizesBySpace.get(space);
    if (list === undefined) resizesBySpace.set(space, (list = []));
    list.push({ node, attribute });
  }
  const groups: ChannelGroup[] = [];
  groupSpaces.forEach((spaces, group) => {
    const entries = [...groupEntries[group]!.values()].map(({ entry, indices }) => ({
      node: entry.node,
      param: entry.param,
      axis: entry.axis,
      effect: entry.effect,
      indices,
    }));
    if (entries.length === 0) return;
    const reasons = collect(slots.reasons, spaces, slots);
    const caveats = collect(slots.caveats, spaces, slots);
    groups.push({
      id: groups.length,
      channels: channelCounts[group]!,
      prunable: reasons.length === 0,
      reasons,
      caveats,
      entries,
      resizes: spaces.flatMap((space) => resizesBySpace.get(space) ?? []),
      shapes: [...groupShapes[group]!.values()].map(({ entry, indices }) => ({
        node: entry.node,
        param: entry.param,
        position: entry.axis,
        indices,
      })),
    });
  });
  return groups;
}

function collect(map: Map<number, Set<string>>, spaces: readonly number[], slots: ChannelSlots): string[] {
  const texts = new Set<string>();
  for (const space of spaces) {
    for (const slot of slots.spaces[space]!) {
      for (const text of map.get(slot) ?? []) texts.add(text);
    }
  }
  const list = [...texts];
  return list.length <= MAX_REASONS ? list : [...list.slice(0, MAX_REASONS), `and ${list.length - MAX_REASONS} more`];
}
