/**
 * Which coupling groups structured pruning may touch, and in one line why it leaves the others.
 */
import { PARAM_ROLES, WEIGHT_ROLES, compileFilter, globToRegExp, type Model, type ParamFilter, type ParamRole } from '@whittle/core';
import type { ChannelGroup } from '@whittle/core/graph';

/** Most names a group's label lists before "…". */
const LABEL_NAMES = 3;

/**
 * A short label for `group` in notes: its id and the layers that produce its channels (or the
 * first layers it touches when nothing produces them).
 *
 * @example
 * ```ts
 * groupLabel(group); // 'group 2 (conv_1, conv_2)'
 * ```
 */
export function groupLabel(group: ChannelGroup): string {
  const producers = group.entries.filter((entry) => entry.effect === 'produces');
  const nodes = [...new Set((producers.length > 0 ? producers : group.entries).map((entry) => entry.node))];
  const shown = nodes.slice(0, LABEL_NAMES).map((node) => JSON.stringify(node));
  if (nodes.length > LABEL_NAMES) shown.push('…');
  return `group ${group.id} (${shown.join(', ')})`;
}

/** What decides whether a group is a candidate. */
export interface GroupSelection extends ParamFilter {
  readonly ignore: readonly string[];
}

/**
 * A compiled selection: for each group, `undefined` when structured pruning may prune it, or
 * why it is left alone, in one line:
 *
 * - the graph marks it not prunable (it reaches a model input or output, an op not understood);
 * - a layer or param it touches matches an `ignore` glob;
 * - none of the params producing its channels has a role in `roles` (default: the weight
 *   roles, so kernels decide and biases do not), or the name filter (`include`/`exclude`)
 *   selects none of them, or selects only some of them (pruning would cut params it excludes);
 * - it has a single channel.
 *
 * @example
 * ```ts
 * const why = groupSelector(model, { ignore: ['head*'] });
 * groups.filter((group) => why(group) === undefined);
 * ```
 */
export function groupSelector(model: Model, selection: GroupSelection): (group: ChannelGroup) => string | undefined {
  const ignore = selection.ignore.map((glob) => ({ glob, pattern: globToRegExp(glob) }));
  // Names alone: roles decide which producers count, the globs which of those are selected.
  const selectsName = compileFilter({ include: selection.include, exclude: selection.exclude }, PARAM_ROLES);
  const named = (name: string): boolean => selectsName(model.params.get(name)!);
  const roles: ReadonlySet<ParamRole> = new Set(selection.roles ?? WEIGHT_ROLES);
  return (group) => {
    if (!group.prunable) return `not prunable: ${group.reasons.join('; ') || 'the graph gives no reason'}`;
    for (const entry of group.entries) {
      for (const name of [entry.node, entry.param]) {
        const match = ignore.find(({ pattern }) => pattern.test(name));
        if (match !== undefined) return `ignored: ${JSON.stringify(name)} matches ignore glob ${JSON.stringify(match.glob)}`;
      }
    }
    const producers = [
      ...new Set(
        group.entries
          .filter((entry) => entry.effect === 'produces')
          .map((entry) => entry.param)
          .filter((name) => {
            const role = model.params.get(name)?.role;
            return role !== undefined && roles.has(role);
          })
      ),
    ];
    if (producers.length === 0) return `no param producing its channels has a role in roles (${[...roles].join(', ')})`;
    const outside = producers.filter((name) => !named(name));
    if (outside.length === producers.length) return `not selected: include/exclude selects none of ${quoteList(producers)}`;
    if (outside.length > 0) return `not selected: include/exclude leaves out ${quoteList(outside)}, which share its channels`;
    if (group.channels < 2) return 'it has one channel: pruning would drop below one';
    return undefined;
  };
}

function quoteList(names: readonly string[]): string {
  const shown = names.slice(0, LABEL_NAMES).map((name) => JSON.stringify(name));
  return names.length > LABEL_NAMES ? `${shown.join(', ')}, …` : shown.join(', ');
}
