/**
 * Channel-coupling groups, as Torch-Pruning's DependencyGraph defines them: channels that must
 * be removed together, with every param axis they touch.
 */
import type { Model } from '../model/types.ts';
import { assembleGroups } from './assemble-groups.ts';
import { ChannelSlots, MAX_CHANNEL_AXIS, mapAxis, type Layout, type PendingEntry } from './channel-slots.ts';
import type { ChannelRule } from './channel-rule.ts';
import { quote } from './graph-error.ts';
import { graphNode, producers, topologicalOrder } from './graph-queries.ts';
import { nodeChannelRule } from './node-channel-rule.ts';
import type { ChannelAxis, ChannelGroup, GraphEdge, GraphNode, GroupEntry, ModelGraph } from './types.ts';

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
  const slots = new ChannelSlots();
  const layouts = new Map<string, Layout | null>();
  const entries: PendingEntry[] = [];
  const shapeEntries: PendingEntry[] = [];
  const resizes: Array<{ node: string; attribute: string; space: number }> = [];
  const rules = new Map<string, ChannelRule>();
  const ruleOf = (node: GraphNode): ChannelRule => {
    let rule = rules.get(node.name);
    if (rule === undefined) {
      rule = nodeChannelRule(graph, node, model);
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
          entries.push({
            node: name,
            param: binding.param,
            axis: axis.axis,
            effect: entryEffect?.(axis) ?? effect,
            slots: mapped,
          });
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
        const ok = record(
          output,
          'produces',
          (axis) => axis.side === 'output',
          (axis) => (axis.recurrent === true ? 'reads' : 'produces'),
        );
        if (!ok) output = null;
        else {
          if (rule.mixes !== undefined) freeze(output, `${where}: ${rule.mixes} mixes channels`);
          if (rule.countAttribute !== undefined)
            resizes.push({ node: name, attribute: rule.countAttribute, space: slots.space[output.slots[0] ?? 0]! });
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
        if (
          !record(first, 'carries', (axis) => axis.side === 'input') ||
          !record(out, 'carries', (axis) => axis.side === 'output')
        )
          break;
        if (rule.caveat !== undefined) slots.note(slots.caveats, first.slots, `${where}: ${rule.caveat}`);
        output = out;
        break;
      }
      case 'merge': {
        const known = inputs.filter((layout): layout is Layout => layout !== null);
        const [first] = known;
        if (
          first === undefined ||
          known.length < inputs.length ||
          known.some((layout) => layout.tiled || layout.slots.length !== first.slots.length)
        ) {
          freezeAll(`${where}: its inputs' channels do not line up`);
          break;
        }
        for (const layout of known.slice(1))
          layout.slots.forEach((slot, index) => slots.union(first.slots[index]!, slot));
        output = { slots: first.slots, tiled: false, rank: first.rank };
        break;
      }
      case 'concat': {
        const known = inputs.filter((layout): layout is Layout => layout !== null);
        const [first] = known;
        const ranks = new Set(known.map((layout) => layout.rank));
        const rank = ranks.size === 1 ? first?.rank ?? null : null;
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
          const mapped = mapAxis(output, rule.shape.size, {
            axis: 0,
            side: 'input',
            copies: 1,
            arrangement: 'contiguous',
          });
          if (typeof mapped === 'string') {
            freeze(first, `${where}: its target size ${rule.shape.size} ${mapped}`);
            output = null;
            break;
          }
          shapeEntries.push({
            node: name,
            param: rule.shape.param,
            axis: rule.shape.position,
            effect: 'carries',
            slots: mapped,
          });
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
  return assembleGroups(slots, entries, shapeEntries, resizes);
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
