/**
 * Channel-coupling groups, as Torch-Pruning's DependencyGraph defines them: channels that must
 * be removed together, with every param axis they touch.
 */
import { decode } from '../encoding/decode.ts';
import type { Model } from '../model/types.ts';
import type { ChannelRule } from './channel-rule.ts';
import { graphDefChannelRule, graphDefParamInputs } from './graph-def-ops.ts';
import { isRecord, quote } from './graph-error.ts';
import { graphNode, producers, topologicalOrder } from './graph-queries.ts';
import { kerasChannelRule } from './keras-layers.ts';
import type { ChannelAxis, ChannelGroup, GraphEdge, GraphNode, GroupEntry, ModelGraph } from './types.ts';

/** Axes longer than this are not analysed (their channels are frozen) rather than indexed. */
export const MAX_CHANNEL_AXIS = 1 << 24;

/** The most reasons (and caveats) a group lists; more are summarised by a count. */
const MAX_REASONS = 8;

interface Layout {
  /** The slot of each channel; for a tiled layout, of each channel of one position. */
  readonly slots: readonly number[];
  readonly tiled: boolean;
  readonly rank: number | null;
}

interface PendingEntry {
  readonly node: string;
  readonly param: string;
  readonly axis: number;
  readonly effect: GroupEntry['effect'];
  readonly slots: readonly number[];
}

class Slots {
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
 * The channel-coupling groups of a model's graph. A producer's output channels are coupled with
 * every consumer's input channels; pass-through nodes (norms, element-wise activations, dropout,
 * pooling, padding, depthwise convs) carry channels through and their per-channel params join;
 * element-wise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) make their inputs'
 * channels one; Concatenate maps channel ranges by offset; Flatten maps each channel to its
 * block of positions (channels-last); recurrent layers couple their units' gate columns and
 * recurrent rows. Groups that reach a model input or output, or a node whose channel behaviour
 * is not understood, are listed as not prunable with the reasons. Only groups that touch a param
 * are listed, in the order their first producer appears.
 *
 * @example
 * ```ts
 * const groups = channelGroups(readModelGraph(model), model);
 * groups.filter((group) => group.prunable).map((group) => group.entries.map((entry) => entry.param));
 * // [['dense/kernel', 'dense/bias', 'dense_1/kernel'], …]
 * ```
 */
export function channelGroups(graph: ModelGraph, model: Model): readonly ChannelGroup[] {
  const slots = new Slots();
  const layouts = new Map<string, Layout | null>();
  const entries: PendingEntry[] = [];
  const shapeEntries: PendingEntry[] = [];
  const resizes: Array<{ node: string; attribute: string; space: number }> = [];
  const rules = new Map<string, ChannelRule>();
  const ruleOf = (node: GraphNode): ChannelRule => {
    let rule = rules.get(node.name);
    if (rule === undefined) {
      rule = channelRule(graph, node, model);
      rules.set(node.name, rule);
    }
    return rule;
  };
  const shapeOf = (param: string): readonly number[] | undefined => model.params.get(param)?.shape;

  for (const name of topologicalOrder(graph)) {
    const node = graphNode(graph, name);
    const rule = ruleOf(node);
    const dataEdges = producers(graph, name).filter(
      (edge) => edge.control !== true && ruleOf(graphNode(graph, edge.from)).kind !== 'constant',
    );
    const inputs = dataEdges.map((edge) => layouts.get(layoutKey(edge)) ?? null);
    const freeze = (layout: Layout | null, reason: string): void => {
      if (layout !== null) slots.note(slots.reasons, layout.slots, reason);
    };
    const freezeAll = (reason: string): void => inputs.forEach((layout) => freeze(layout, reason));
    const where = `${node.op} ${quote(name)}`;
    let output: Layout | null = null;
    const record = (
      layout: Layout,
      effect: GroupEntry['effect'],
      axes: (axis: ChannelAxis) => boolean,
      entryEffect?: (axis: ChannelAxis) => GroupEntry['effect'],
    ): boolean => {
      for (const binding of node.params) {
        const shape = shapeOf(binding.param);
        if (shape === undefined) continue;
        for (const axis of binding.axes) {
          if (!axes(axis)) continue;
          const mapped = mapAxis(layout, shape[axis.axis] ?? -1, axis);
          if (typeof mapped === 'string') {
            freeze(layout, `${where}: ${binding.param} axis ${axis.axis} ${mapped}`);
            return false;
          }
          entries.push({ node: name, param: binding.param, axis: axis.axis, effect: entryEffect?.(axis) ?? effect, slots: mapped });
        }
      }
      return true;
    };

    switch (rule.kind) {
      case 'input':
        if (rule.channels !== null && rule.channels <= MAX_CHANNEL_AXIS) {
          output = { slots: slots.create(rule.channels), tiled: false, rank: rule.rank };
          freeze(output, `${where} is a model input`);
        }
        break;
      case 'constant':
        break;
      case 'opaque':
        freezeAll(`${where}: ${rule.reason}`);
        break;
      case 'source': {
        const [first, ...rest] = inputs;
        rest.forEach((layout) => freeze(layout, `${where} reads more than one input`));
        if (rule.readsInput !== false && first !== undefined && first !== null) {
          record(first, 'reads', (axis) => axis.side === 'input');
        } else if (rule.readsInput !== false && first === undefined) {
          break;
        }
        const count = outputCount(node, shapeOf);
        if (count === undefined) {
          freeze(first ?? null, `${where}: its output channels are not known`);
          break;
        }
        output = { slots: slots.create(count), tiled: false, rank: rule.rank(first?.rank ?? null) };
        const ok = record(output, 'produces', (axis) => axis.side === 'output', (axis) => (axis.recurrent === true ? 'reads' : 'produces'));
        if (!ok) output = null;
        else {
          if (rule.mixes !== undefined) freeze(output, `${where}: ${rule.mixes} mixes channels`);
          if (rule.countAttribute !== undefined) resizes.push({ node: name, attribute: rule.countAttribute, space: slots.space[output.slots[0] ?? 0]! });
        }
        break;
      }
      case 'pass': {
        const [first, ...rest] = inputs;
        rest.forEach((layout) => freeze(layout, `${where} reads more than one input`));
        if (first === undefined || first === null) break;
        if (rule.normAxis !== undefined && !isLastAxis(rule.normAxis, first.rank)) {
          freeze(first, `${where}: it normalizes along axis ${JSON.stringify(rule.normAxis)}, not the channel axis`);
          break;
        }
        const expand = rule.expand ?? 1;
        if (expand !== 1 && first.tiled) {
          freeze(first, `${where}: a depth multiplier after a flatten is not understood`);
          break;
        }
        const expanded = expand === 1 ? first.slots : first.slots.flatMap((slot) => Array<number>(expand).fill(slot));
        const out: Layout = { slots: expanded, tiled: first.tiled, rank: rule.rank(first.rank) };
        if (!record(first, 'carries', (axis) => axis.side === 'input') || !record(out, 'carries', (axis) => axis.side === 'output')) break;
        if (rule.caveat !== undefined) slots.note(slots.caveats, first.slots, `${where}: ${rule.caveat}`);
        output = out;
        break;
      }
      case 'merge': {
        const known = inputs.filter((layout): layout is Layout => layout !== null);
        const [first] = known;
        if (first === undefined || known.length < inputs.length || known.some((layout) => layout.tiled || layout.slots.length !== first.slots.length)) {
          freezeAll(`${where}: its inputs' channels do not line up`);
          break;
        }
        for (const layout of known.slice(1)) layout.slots.forEach((slot, index) => slots.union(first.slots[index]!, slot));
        output = { slots: first.slots, tiled: false, rank: first.rank };
        break;
      }
      case 'concat': {
        const known = inputs.filter((layout): layout is Layout => layout !== null);
        const [first] = known;
        const ranks = new Set(known.map((layout) => layout.rank));
        const rank = ranks.size === 1 ? (first?.rank ?? null) : null;
        const lastAxis = rule.axis === -1 || (rank !== null && rule.axis === rank - 1);
        if (first === undefined || known.length < inputs.length || known.some((layout) => layout.tiled)) {
          freezeAll(`${where}: its inputs' channels are not known`);
          break;
        }
        if (!lastAxis) {
          freezeAll(`${where}: concatenation along axis ${rule.axis}, not the channel axis`);
          output = null;
          break;
        }
        output = { slots: known.flatMap((layout) => layout.slots), tiled: false, rank };
        break;
      }
      case 'flatten': {
        const [first] = inputs;
        if (first === undefined || first === null) break;
        output = { slots: first.slots, tiled: first.tiled || first.rank !== 2, rank: 2 };
        if (rule.shape !== undefined) {
          const mapped = mapAxis(output, rule.shape.size, { axis: 0, side: 'input', copies: 1, arrangement: 'contiguous' });
          if (typeof mapped === 'string') {
            freeze(first, `${where}: its target size ${rule.shape.size} ${mapped}`);
            output = null;
            break;
          }
          shapeEntries.push({ node: name, param: rule.shape.param, axis: rule.shape.position, effect: 'carries', slots: mapped });
        }
        break;
      }
    }
    layouts.set(`${name}:0`, output);
  }
  for (const output of graph.outputs) {
    const layout = layouts.get(`${output.node}:${output.output}`) ?? null;
    if (layout !== null) slots.note(slots.reasons, layout.slots, `${quote(output.node)} is a model output`);
  }
  return assemble(slots, entries, shapeEntries, resizes);
}

function isLastAxis(axis: unknown, rank: number | null): boolean {
  const list = Array.isArray(axis) ? axis : [axis];
  return list.length === 1 && (list[0] === -1 || (rank !== null && list[0] === rank - 1));
}

function layoutKey(edge: GraphEdge): string {
  return `${edge.from}:${edge.output}`;
}

function outputCount(node: GraphNode, shapeOf: (param: string) => readonly number[] | undefined): number | undefined {
  for (const binding of node.params) {
    const shape = shapeOf(binding.param);
    for (const axis of binding.axes) {
      if (axis.side !== 'output' || axis.recurrent === true || shape === undefined) continue;
      const size = shape[axis.axis];
      if (size === undefined || size % axis.copies !== 0 || size > MAX_CHANNEL_AXIS) return undefined;
      return size / axis.copies;
    }
  }
  return undefined;
}

/** The slot of each index along an axis of `size` entries, or why the axis does not fit. */
function mapAxis(layout: Layout, size: number, axis: ChannelAxis): number[] | string {
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

function assemble(
  slots: Slots,
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
      shapes: [...groupShapes[group]!.values()].map(({ entry, indices }) => ({ node: entry.node, param: entry.param, position: entry.axis, indices })),
    });
  });
  return groups;
}

function collect(map: Map<number, Set<string>>, spaces: readonly number[], slots: Slots): string[] {
  const texts = new Set<string>();
  for (const space of spaces) {
    for (const slot of slots.spaces[space]!) {
      for (const text of map.get(slot) ?? []) texts.add(text);
    }
  }
  const list = [...texts];
  return list.length <= MAX_REASONS ? list : [...list.slice(0, MAX_REASONS), `and ${list.length - MAX_REASONS} more`];
}

function channelRule(graph: ModelGraph, node: GraphNode, model: Model): ChannelRule {
  if (graph.format === 'keras') return kerasChannelRule(node.op, node.attributes);
  const incoming = producers(graph, node.name).filter((edge) => edge.control !== true);
  const edgeAt = (input: number): GraphEdge | undefined => incoming.find((edge) => edge.input === input);
  return graphDefChannelRule(node.op, node.attributes, {
    dataInputs: incoming.length,
    paramShape: (input) => {
      const spec = graphDefParamInputs(node.op, node.attributes).find((entry) => entry.input === input);
      const binding = spec === undefined ? undefined : node.params.find((entry) => entry.slot === spec.slot);
      return binding === undefined ? undefined : model.params.get(binding.param)?.shape;
    },
    constantParam: (input) => {
      const edge = edgeAt(input);
      if (edge === undefined || graphNode(graph, edge.from).op !== 'Const') return undefined;
      return model.params.has(edge.from) ? edge.from : undefined;
    },
    constantValues: (input) => {
      const edge = edgeAt(input);
      if (edge === undefined) return undefined;
      const source = graphNode(graph, edge.from);
      if (source.op !== 'Const') return undefined;
      const param = model.params.get(source.name);
      if (param !== undefined) {
        if (param.shape.length > 1 || (param.shape[0] ?? 1) > 16) return undefined;
        const tensor = decode(param.value);
        return tensor.dtype === 'int32' || tensor.dtype === 'float32' ? Array.from(tensor.data as Int32Array) : undefined;
      }
      const value = source.attributes.value;
      const tensor = isRecord(value) && isRecord(value.tensor) ? value.tensor : undefined;
      const list = tensor?.intVal ?? tensor?.int64Val;
      if (!Array.isArray(list) || list.length > 16) return undefined;
      const numbers = list.map((item: unknown) => Number(item));
      return numbers.every((item) => Number.isSafeInteger(item)) ? numbers : undefined;
    },
  });
}
