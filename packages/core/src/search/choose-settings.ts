/**
 * The multiple-choice knapsack behind `search`: one setting per layer, the least total loss
 * whose total cost stays within a budget. Lagrangian relaxation finds a good choice fast, greedy
 * repair and improvement make it feasible and tight, and a bounded branch and bound proves it
 * optimal (or improves it) where the instance is small enough.
 */
import { WhittleError } from '../errors.ts';

/** One setting a group may take: what it costs (bytes, params, milliseconds) and what it loses. */
export interface ChoiceOption {
  /** What it costs, in the budget's unit. */
  readonly cost: number;
  /** What it loses: lower is better. */
  readonly loss: number;
}

/** The settings of one group (a layer): exactly one is chosen. */
export type ChoiceGroup = readonly ChoiceOption[];

/** What {@link chooseSettings} chose. */
export interface Choice {
  /** For each group, the index of its chosen option. */
  readonly picks: readonly number[];
  /** The chosen options' total cost (at most the budget). */
  readonly cost: number;
  /** The chosen options' total loss. */
  readonly loss: number;
  /** True when the choice is proven to have the least loss of every choice within the budget. */
  readonly optimal: boolean;
}

/** Options of {@link chooseSettings}. */
export interface ChooseSettingsOptions {
  /**
   * How many nodes the branch and bound may visit to prove (or improve) the choice; 0 skips it.
   * Default 200,000: instantaneous, and enough for the few dozen layers of a small model.
   */
  readonly maxNodes?: number;
}

const DEFAULT_MAX_NODES = 200_000;

/** Rounds of bisection over λ: far below any loss or cost resolution that matters. */
const BISECTION_ROUNDS = 64;

/**
 * Chooses one option per group with the least total loss whose total cost is at most `budget`,
 * or `undefined` when even the cheapest option of every group together exceeds it. The choice
 * always holds the budget; `optimal` says whether the search proved it the best.
 *
 * @example
 * ```ts
 * const choice = chooseSettings([[{ cost: 4, loss: 0 }, { cost: 1, loss: 0.2 }], [{ cost: 4, loss: 0 }, { cost: 2, loss: 0.01 }]], 6);
 * choice?.picks; // [0, 1]
 * ```
 */
export function chooseSettings(groups: readonly ChoiceGroup[], budget: number, options: ChooseSettingsOptions = {}): Choice | undefined {
  checkGroups(groups, budget);
  const cheapest = groups.map((group) => argBest(group, (option) => option.cost, (option) => option.loss));
  if (totalCost(groups, cheapest) > budget) return undefined;
  // λ = 0: the least loss of each group, cheaper on ties; when that fits, nothing can beat it.
  const lossless = groups.map((group) => pickAt(group, 0));
  if (totalCost(groups, lossless) <= budget) return result(groups, lossless, true);

  let low = 0;
  let high = 1;
  while (totalCost(groups, groups.map((group) => pickAt(group, high))) > budget && high < Number.MAX_VALUE / 4) high *= 2;
  for (let round = 0; round < BISECTION_ROUNDS; round++) {
    const middle = (low + high) / 2;
    if (totalCost(groups, groups.map((group) => pickAt(group, middle))) > budget) low = middle;
    else high = middle;
  }
  const feasible = groups.map((group) => pickAt(group, high));
  const over = groups.map((group) => pickAt(group, low));
  const candidates = [improve(groups, totalCost(groups, feasible) <= budget ? feasible : cheapest, budget), improve(groups, repair(groups, over, budget), budget)];
  let best = candidates.reduce((left, right) => (totalLoss(groups, right) < totalLoss(groups, left) ? right : left));
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  let optimal = false;
  if (maxNodes > 0) {
    const proven = branchAndBound(groups, budget, best, high, maxNodes);
    best = proven.picks;
    optimal = proven.complete;
  }
  return result(groups, best, optimal);
}

function checkGroups(groups: readonly ChoiceGroup[], budget: number): void {
  if (!Number.isFinite(budget)) throw new WhittleError('invalid-argument', `the budget must be a finite number, got ${budget}`, { field: 'budget' });
  for (const [index, group] of groups.entries()) {
    if (group.length === 0) throw new WhittleError('invalid-argument', `group ${index} has no option to choose`, { field: `groups[${index}]` });
    for (const [position, option] of group.entries()) {
      if (!Number.isFinite(option.cost) || !Number.isFinite(option.loss)) {
        throw new WhittleError('invalid-argument', 'every option needs a finite cost and loss', { field: `groups[${index}][${position}]` });
      }
    }
  }
}

/** The index of the option least by `primary`, then by `secondary`. */
function argBest(group: ChoiceGroup, primary: (option: ChoiceOption) => number, secondary: (option: ChoiceOption) => number): number {
  let best = 0;
  for (let index = 1; index < group.length; index++) {
    const option = group[index]!;
    const current = group[best]!;
    const difference = primary(option) - primary(current);
    if (difference < 0 || (difference === 0 && secondary(option) < secondary(current))) best = index;
  }
  return best;
}

/** The option minimising loss + λ·cost, the cheaper one on ties (so cost falls as λ grows). */
function pickAt(group: ChoiceGroup, lambda: number): number {
  return argBest(group, (option) => option.loss + lambda * option.cost, (option) => option.cost);
}

function totalCost(groups: readonly ChoiceGroup[], picks: readonly number[]): number {
  let sum = 0;
  for (const [index, pick] of picks.entries()) sum += groups[index]![pick]!.cost;
  return sum;
}

function totalLoss(groups: readonly ChoiceGroup[], picks: readonly number[]): number {
  let sum = 0;
  for (const [index, pick] of picks.entries()) sum += groups[index]![pick]!.loss;
  return sum;
}

/** From an over-budget choice, the cheaper move losing least per unit of cost saved, until it fits. */
function repair(groups: readonly ChoiceGroup[], start: readonly number[], budget: number): number[] {
  const picks = [...start];
  let cost = totalCost(groups, picks);
  while (cost > budget) {
    let best: { group: number; option: number; rate: number } | undefined;
    for (const [index, group] of groups.entries()) {
      const current = group[picks[index]!]!;
      for (const [position, option] of group.entries()) {
        const saved = current.cost - option.cost;
        if (saved <= 0) continue;
        const rate = (option.loss - current.loss) / saved;
        if (best === undefined || rate < best.rate) best = { group: index, option: position, rate };
      }
    }
    // Unreachable once the cheapest choice fits (checked before): some group can still save.
    if (best === undefined) break;
    picks[best.group] = best.option;
    cost = totalCost(groups, picks);
  }
  return picks;
}

/** Spends what the budget leaves: the move removing the most loss per unit of added cost, while one fits. */
function improve(groups: readonly ChoiceGroup[], start: readonly number[], budget: number): number[] {
  const picks = [...start];
  for (;;) {
    const slack = budget - totalCost(groups, picks);
    let best: { group: number; option: number; rate: number } | undefined;
    for (const [index, group] of groups.entries()) {
      const current = group[picks[index]!]!;
      for (const [position, option] of group.entries()) {
        const gained = current.loss - option.loss;
        const added = option.cost - current.cost;
        if (gained <= 0 || added > slack) continue;
        const rate = added <= 0 ? Number.POSITIVE_INFINITY : gained / added;
        if (best === undefined || rate > best.rate) best = { group: index, option: position, rate };
      }
    }
    if (best === undefined) return picks;
    picks[best.group] = best.option;
  }
}

/**
 * Depth-first search over groups, options in order of loss, pruned by two lower bounds on the
 * loss still to come: each remaining group's least loss, and the Lagrangian bound at `lambda`
 * (Σ min(loss + λ·cost) − λ·(budget left)), which holds for any λ ≥ 0.
 */
function branchAndBound(
  groups: readonly ChoiceGroup[],
  budget: number,
  incumbent: readonly number[],
  lambda: number,
  maxNodes: number,
): { picks: number[]; complete: boolean } {
  const count = groups.length;
  const minimumLoss = new Float64Array(count + 1);
  const minimumCost = new Float64Array(count + 1);
  const lagrangian = new Float64Array(count + 1);
  for (let index = count - 1; index >= 0; index--) {
    const group = groups[index]!;
    minimumLoss[index] = minimumLoss[index + 1]! + Math.min(...group.map((option) => option.loss));
    minimumCost[index] = minimumCost[index + 1]! + Math.min(...group.map((option) => option.cost));
    lagrangian[index] = lagrangian[index + 1]! + Math.min(...group.map((option) => option.loss + lambda * option.cost));
  }
  const orders = groups.map((group) => group.map((_, position) => position).sort((left, right) => group[left]!.loss - group[right]!.loss || group[left]!.cost - group[right]!.cost));
  let best = [...incumbent];
  let bestLoss = totalLoss(groups, best);
  const picks = new Array<number>(count).fill(0);
  let nodes = 0;
  let complete = true;
  // A tolerance keeps floating-point noise in the sums from pruning the optimum itself.
  const tolerance = 1e-12 * (1 + Math.abs(bestLoss));
  const visit = (index: number, cost: number, loss: number): void => {
    if (!complete) return;
    if (++nodes > maxNodes) {
      complete = false;
      return;
    }
    if (index === count) {
      if (loss < bestLoss - tolerance) {
        best = [...picks];
        bestLoss = loss;
      }
      return;
    }
    for (const position of orders[index]!) {
      const option = groups[index]![position]!;
      const nextCost = cost + option.cost;
      const nextLoss = loss + option.loss;
      if (nextCost + minimumCost[index + 1]! > budget) continue;
      const bound = Math.max(minimumLoss[index + 1]!, lagrangian[index + 1]! - lambda * (budget - nextCost));
      // Options come in order of loss: once the least-loss bound fails, every later one fails too.
      if (nextLoss + minimumLoss[index + 1]! >= bestLoss - tolerance) break;
      if (nextLoss + bound >= bestLoss - tolerance) continue;
      picks[index] = position;
      visit(index + 1, nextCost, nextLoss);
      if (!complete) return;
    }
  };
  visit(0, 0, 0);
  return { picks: best, complete };
}

function result(groups: readonly ChoiceGroup[], picks: readonly number[], optimal: boolean): Choice {
  return { picks: [...picks], cost: totalCost(groups, picks), loss: totalLoss(groups, picks), optimal };
}
