/**
 * The bookkeeping of the channel analysis: slots (one per channel of every channel space), the
 * union-find that couples them, and the layouts that say which slot each channel of a tensor is.
 */
import type { ChannelAxis, GroupEntry } from './types.ts';

/** Axes longer than this are not analysed (their channels are frozen) rather than indexed. */
export const MAX_CHANNEL_AXIS = 1 << 24;

/** The most reasons (and caveats) a group lists; more are summarised by a count. */
export const MAX_REASONS = 8;

/** Which slot each channel of a tensor is; a tiled layout repeats its slots once per position (a flatten). */
export interface Layout {
  /** The slot of each channel; for a tiled layout, of each channel of one position. */
  readonly slots: readonly number[];
  readonly tiled: boolean;
  readonly rank: number | null;
}

/** A param axis the analysis met, with the slot of each of its indices, before groups exist. */
export interface PendingEntry {
  readonly node: string;
  readonly param: string;
  readonly axis: number;
  readonly effect: GroupEntry['effect'];
  readonly slots: readonly number[];
}

/** Channel slots in a union-find: each new channel space is a run of slots; coupled slots join. */
export class ChannelSlots {
  readonly parent: number[] = [];
  readonly space: number[] = [];
  readonly spaces: number[][] = [];
  readonly reasons = new Map<number, Set<string>>();
  readonly caveats = new Map<number, Set<string>>();

  create(count: number): number[] {
    const space = this.spaces.length;
    const slots: number[] = [];
    for (let index = 0; index < count; index++) {
      slots.push(this.parent.length);
      this.parent.push(this.parent.length);
      this.space.push(space);
    }
    this.spaces.push(slots);
    return slots;
  }

  /** The representative slot of `slot`'s coupled set. */
  find(slot: number): number {
    let root = slot;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[slot] !== root) {
      const next = this.parent[slot]!;
      this.parent[slot] = root;
      slot = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA !== rootB) this.parent[Math.max(rootA, rootB)] = Math.min(rootA, rootB);
  }

  note(map: Map<number, Set<string>>, slots: Iterable<number>, text: string): void {
    for (const slot of slots) {
      let set = map.get(slot);
      if (set === undefined) map.set(slot, (set = new Set()));
      if (set.size <= MAX_REASONS) set.add(text);
    }
  }
}

/**
 * The slot of each index along an axis of `size` entries, or why the axis does not fit.
 *
 * @example
 * ```ts
 * mapAxis({ slots: [7, 8], tiled: true, rank: 2 }, 4, { axis: 0, side: 'input', copies: 1, arrangement: 'contiguous' }); // [7, 8, 7, 8]
 * ```
 */
export function mapAxis(layout: Layout, size: number, axis: ChannelAxis): number[] | string {
  if (!Number.isSafeInteger(size) || size < 0) return 'does not exist';
  if (size > MAX_CHANNEL_AXIS) return `has ${size} entries, more than ${MAX_CHANNEL_AXIS}`;
  if (size % axis.copies !== 0) return `has ${size} entries, not a multiple of ${axis.copies}`;
  const channels = size / axis.copies;
  const width = layout.slots.length;
  if (width === 0) return 'meets a tensor of no channels';
  if (layout.tiled ? channels % width !== 0 : channels !== width) {
    return `has ${channels} channels where its input has ${layout.tiled ? `a multiple of ${width}` : width}`;
  }
  const mapped = new Array<number>(size);
  for (let index = 0; index < size; index++) {
    const channel = axis.arrangement === 'contiguous' ? Math.floor(index / axis.copies) : index % channels;
    mapped[index] = layout.slots[channel % width]!;
  }
  return mapped;
}
