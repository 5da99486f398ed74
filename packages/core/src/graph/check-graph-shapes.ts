import { channelGroups } from './channel-groups.ts';
import { nodeChannelRule } from './node-channel-rule.ts';
import { rewriteFail } from './rewrite-state.ts';
import type { Model } from '../model/types.ts';
import type { ModelGraph } from './types.ts';

// The channel analysis words a param that disagrees with its input this way (see mapAxis).
const MISMATCH = / where its input has /;

/**
 * Checks that a rewritten graph's params fit together before it is written: every param axis
 * that reads or carries channels has as many as its input gives, and every channel-count
 * attribute (`units`, `filters`) equals the channels its params produce. Throws an
 * `invalid-argument` WhittleError naming the node otherwise.
 *
 * @example
 * ```ts
 * checkGraphShapes(rewrite.graph, model); // throws: Dense "extra": extra/kernel axis 0 has 3 channels where its input has 8
 * ```
 */
export function checkGraphShapes(graph: ModelGraph, model: Model): void {
  for (const group of channelGroups(graph, model)) {
    const reason = group.reasons.find((text) => MISMATCH.test(text));
    if (reason !== undefined) rewriteFail(reason, 'graph');
  }
  for (const node of graph.nodes) {
    const rule = nodeChannelRule(graph, node, model);
    if (rule.kind !== 'source' || rule.countAttribute === undefined) continue;
    const declared = node.attributes[rule.countAttribute];
    for (const binding of node.params) {
      const shape = model.params.get(binding.param)?.shape;
      const axis = binding.axes.find((entry) => entry.side === 'output' && entry.recurrent !== true);
      const size = axis === undefined ? undefined : shape?.[axis.axis];
      if (axis === undefined || size === undefined) continue;
      if (typeof declared === 'number' && declared * axis.copies !== size) {
        rewriteFail(
          `${node.op} ${JSON.stringify(node.name)} declares ${rule.countAttribute} ${declared}, its ${
            binding.slot
          } has ${size / axis.copies}`,
          'graph',
        );
      }
    }
  }
}
