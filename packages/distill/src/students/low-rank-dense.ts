/**
 * Low-rank Dense students: each Dense kernel W (in × out) becomes two Dense layers, in → r
 * without bias then r → out with the layer's bias and activation, initialised from W's truncated
 * SVD (Eckart–Young: the best rank-r approximation), so r·(in + out) weights replace in·out.
 */
import { WhittleError, decodeToFloat32, type Encoding, type HostTensor, type Model } from '@whittle/core';
import { rewriteModel, type GraphNode, type ModelRewrite, type NewNode } from '@whittle/core/graph';
import { randomizedSvd, selectRanksForBudget, svd, type SingularValueDecomposition } from '@whittle/lowrank';
import { boundParam, checkTeacher, freshName, replaceKeepingName, withoutInputFields } from './teacher-model.ts';

/** How {@link lowRankDense} chooses ranks, and which SVD it uses. */
export type LowRankDenseOptions = (
  /** The same rank r for every Dense layer (at most min(in, out) of each). */
  | { readonly rank: number; readonly budget?: undefined }
  /** Ranks chosen across layers so the factored layers keep at most `budget` (0 < budget ≤ 1) of their kernel weights. */
  | { readonly budget: number; readonly rank?: undefined }
) & {
  /**
   * The Dense layers to factor, by name. Default: every Dense layer whose pair would hold fewer
   * weights than its kernel. Layers named here are factored even when the pair is larger (at
   * full rank, for instance).
   */
  readonly layers?: readonly string[];
  /**
   * `exact` (default): the full SVD. `randomized`: the randomized truncated SVD (with `rank`
   * only; needs a tfjs backend), far faster for large kernels and approximate.
   */
  readonly svd?: 'exact' | 'randomized';
  /** Seed of the randomized SVD's sketch (default 0). */
  readonly seed?: number;
};

/** The largest rank accepted: beyond this no Dense layer is narrow enough to gain from factoring. */
export const MAX_DENSE_RANK = 65536;

/**
 * The student `teacher` becomes when its Dense layers are factored: `{ rank }` gives each the
 * same rank (capped at min(in, out)); `{ budget }` shares one weight budget across the layers
 * with `selectRanksForBudget` (each further singular triplet bought where it removes the most
 * squared error; a layer whose rank would not save weights stays whole; a layer left no rank
 * gets rank 1). Each chosen layer becomes Dense(r, no bias, linear) named `<name>_down`, then
 * Dense(out) keeping the layer's name, bias and activation; the first holds U·√Σ and the second
 * √Σ·Vᵀ of the teacher's kernel, so at full rank the student computes what the teacher does.
 * Throws an `invalid-argument` WhittleError when no Dense layer is chosen or an option is bad.
 *
 * @example
 * ```ts
 * const student = await lowRankDense(teacher, { budget: 0.3 });
 * const exact = await lowRankDense(teacher, { rank: 64, layers: ['dense_1'] });
 * ```
 */
export async function lowRankDense(teacher: Model, options: LowRankDenseOptions): Promise<Model> {
  checkTeacher(teacher);
  const checked = checkLowRankOptions(options);
  let rewrite: ModelRewrite = rewriteModel(teacher);
  const dense = rewrite.graph.nodes.filter((node) => node.op === 'Dense');
  if (dense.length === 0) throw new WhittleError('invalid-argument', 'the teacher has no Dense layer', { field: 'teacher' });
  if (checked.layers !== undefined) {
    checked.layers.forEach((name, index) => {
      if (!dense.some((node) => node.name === name)) {
        throw new WhittleError('invalid-argument', `the teacher has no Dense layer ${JSON.stringify(name)}`, { field: `options.layers[${index}]` });
      }
    });
  }
  const smaller = (candidate: DenseKernel, rank: number): boolean => rank * (candidate.inputs + candidate.outputs) < candidate.inputs * candidate.outputs;
  // At a fixed rank, layers the pair would not shrink are known before any SVD is paid for.
  const candidates = dense
    .filter((node) => checked.layers === undefined || checked.layers.includes(node.name))
    .map((node) => denseKernel(rewrite, node))
    .filter((candidate) => checked.rank === undefined || checked.layers !== undefined || smaller(candidate, Math.min(checked.rank, candidate.inputs, candidate.outputs)));
  const decompositions: SingularValueDecomposition[] = [];
  for (const candidate of candidates) {
    const shape = { rows: candidate.inputs, columns: candidate.outputs };
    const rank = Math.min(checked.rank ?? 0, candidate.inputs, candidate.outputs);
    decompositions.push(
      checked.method === 'randomized' ? await randomizedSvd(candidate.kernel.data, shape, { rank, seed: checked.seed }) : svd(candidate.kernel.data, shape),
    );
  }
  const ranks = chooseRanks(candidates, decompositions, checked);
  const taken = new Set(rewrite.graph.nodes.map((node) => node.name));
  let factored = 0;
  candidates.forEach((candidate, index) => {
    const rank = ranks[index]!;
    if (rank === 0) return;
    factored++;
    rewrite = replaceKeepingName(rewrite, candidate.node.name, densePair(candidate, decompositions[index]!, rank, freshName(taken, `${candidate.node.name}_down`)));
  });
  if (factored === 0) {
    throw new WhittleError('invalid-argument', 'no Dense layer of the teacher gets smaller at this rank or budget', { field: checked.rank === undefined ? 'options.budget' : 'options.rank' });
  }
  return rewrite.build();
}

interface DenseKernel {
  readonly node: GraphNode;
  readonly kernel: HostTensor<'float32'>;
  readonly inputs: number;
  readonly outputs: number;
  readonly bias?: Encoding;
}

interface CheckedOptions {
  readonly rank?: number;
  readonly budget?: number;
  readonly layers?: readonly string[];
  readonly method: 'exact' | 'randomized';
  readonly seed: number;
}

function denseKernel(rewrite: ModelRewrite, node: GraphNode): DenseKernel {
  const kernel = boundParam(rewrite.params, node, 'kernel');
  if (kernel === undefined || kernel.shape.length !== 2) {
    throw new WhittleError('invalid-model', `Dense ${JSON.stringify(node.name)} has no 2-D kernel`, { field: `layers[${JSON.stringify(node.name)}].kernel` });
  }
  const bias = boundParam(rewrite.params, node, 'bias');
  return {
    node,
    kernel: decodeToFloat32(kernel.value),
    inputs: kernel.shape[0]!,
    outputs: kernel.shape[1]!,
    ...(bias === undefined ? {} : { bias: bias.value }),
  };
}

/** Per candidate, its rank, 0 where it stays whole. */
function chooseRanks(candidates: readonly DenseKernel[], decompositions: readonly SingularValueDecomposition[], options: CheckedOptions): number[] {
  if (options.rank !== undefined) return candidates.map((candidate) => Math.min(options.rank!, candidate.inputs, candidate.outputs));
  const spectra = candidates.map((candidate, index) => ({
    rows: candidate.inputs,
    columns: candidate.outputs,
    singularValues: decompositions[index]!.singularValues,
  }));
  return selectRanksForBudget(spectra, options.budget!).layers.map((selection, index) => {
    if (!selection.factorize && options.layers === undefined) return 0;
    const candidate = candidates[index]!;
    return Math.max(1, Math.min(selection.rank, candidate.inputs, candidate.outputs));
  });
}

function densePair(candidate: DenseKernel, decomposition: SingularValueDecomposition, rank: number, downName: string): NewNode[] {
  const { inputs, outputs, node } = candidate;
  const { u, v, singularValues, count } = decomposition;
  const down = new Float32Array(inputs * rank);
  const up = new Float32Array(rank * outputs);
  for (let index = 0; index < rank; index++) {
    const scale = Math.sqrt(singularValues[index]!);
    for (let row = 0; row < inputs; row++) down[row * rank + index] = u[row * count + index]! * scale;
    for (let column = 0; column < outputs; column++) up[index * outputs + column] = v[column * count + index]! * scale;
  }
  const downAttributes: Record<string, unknown> = {
    trainable: node.attributes.trainable ?? true,
    dtype: node.attributes.dtype ?? 'float32',
    units: rank,
    activation: 'linear',
    use_bias: false,
  };
  if (node.attributes.kernel_initializer !== undefined) downAttributes.kernel_initializer = node.attributes.kernel_initializer;
  if (node.attributes.batch_input_shape !== undefined) downAttributes.batch_input_shape = node.attributes.batch_input_shape;
  return [
    { name: downName, op: 'Dense', attributes: downAttributes, params: { kernel: { dtype: 'float32', shape: [inputs, rank], data: down } } },
    { name: node.name, op: 'Dense', attributes: withoutInputFields(node.attributes), params: upParams(candidate, up, rank) },
  ];
}

function upParams(candidate: DenseKernel, up: Float32Array, rank: number): NewNode['params'] {
  const kernel: HostTensor = { dtype: 'float32', shape: [rank, candidate.outputs], data: up };
  return candidate.bias === undefined ? { kernel } : { kernel, bias: candidate.bias };
}

function checkLowRankOptions(options: unknown): CheckedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new WhittleError('invalid-argument', 'lowRankDense needs options { rank } or { budget }', { field: 'options' });
  }
  const { rank, budget, layers, svd: method = 'exact', seed = 0 } = options as Partial<Record<string, unknown>>;
  if ((rank === undefined) === (budget === undefined)) {
    throw new WhittleError('invalid-argument', 'lowRankDense needs exactly one of rank and budget', { field: 'options' });
  }
  if (rank !== undefined && (typeof rank !== 'number' || !Number.isSafeInteger(rank) || rank < 1 || rank > MAX_DENSE_RANK)) {
    throw new WhittleError('invalid-argument', `rank must be an integer from 1 to ${MAX_DENSE_RANK}`, { field: 'options.rank' });
  }
  if (budget !== undefined && (typeof budget !== 'number' || !(budget > 0 && budget <= 1))) {
    throw new WhittleError('invalid-argument', 'budget must be a number in (0, 1]', { field: 'options.budget' });
  }
  if (layers !== undefined && (!Array.isArray(layers) || layers.some((name) => typeof name !== 'string'))) {
    throw new WhittleError('invalid-argument', 'layers must be an array of layer names', { field: 'options.layers' });
  }
  if (method !== 'exact' && method !== 'randomized') {
    throw new WhittleError('invalid-argument', 'svd must be "exact" or "randomized"', { field: 'options.svd' });
  }
  if (method === 'randomized' && rank === undefined) {
    throw new WhittleError('invalid-argument', 'the randomized SVD needs a rank: a budget needs every singular value', { field: 'options.svd' });
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new WhittleError('invalid-argument', 'seed must be an integer', { field: 'options.seed' });
  }
  return {
    ...(rank === undefined ? {} : { rank: rank as number }),
    ...(budget === undefined ? {} : { budget: budget as number }),
    ...(layers === undefined ? {} : { layers: layers as string[] }),
    method,
    seed,
  };
}
