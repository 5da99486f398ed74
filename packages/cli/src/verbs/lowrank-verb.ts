import type { VerbDefinition } from './verb-definition.ts';

/** `whittle lowrank`: one `lowrank.*` step from flags named after the step's fields. */
export const LOWRANK_VERB: VerbDefinition = {
  name: 'lowrank',
  description: 'factorize weights into low-rank pairs with one lowrank step built from flags and write the result',
  methods: [{ name: 'svd', kind: 'lowrank.svd' }],
  flags: [
    { name: '--rank', placeholder: '<n>', description: 'the rank kept in every factorized layer', value: 'number', fields: { svd: 'rank' } },
    { name: '--energy', placeholder: '<x>', description: 'keep the fewest singular values holding this share of each matrix\'s energy (Σσ²)', value: 'number', fields: { svd: 'energy' } },
    { name: '--budget', placeholder: '<x>', description: 'share of the params kept, 0–1 exclusive (0.25: a quarter)', value: 'number', fields: { svd: 'budget' } },
    { name: '--tolerance', placeholder: '<x>', description: 'keep the fewest singular values whose relative error is at most this', value: 'number', fields: { svd: 'tolerance' } },
    { name: '--budget-scope', placeholder: '<name>', description: '--budget over the model or each layer: model|layer', value: 'text', fields: { svd: 'budgetScope' } },
    { name: '--svd-method', placeholder: '<name>', description: 'exact (the default) or randomized SVD', value: 'text', fields: { svd: 'method' } },
    { name: '--oversampling', placeholder: '<n>', description: 'randomized: extra sketch columns', value: 'number', fields: { svd: 'oversampling' } },
    { name: '--power-iterations', placeholder: '<n>', description: 'randomized: power iterations', value: 'number', fields: { svd: 'powerIterations' } },
    { name: '--seed', placeholder: '<n>', description: 'randomized: random seed', value: 'number', fields: { svd: 'seed' } },
    { name: '--rewrite', description: 'rewrite each factorized Dense layer as two stock layers (--no-rewrite: keep factors as an encoding)', value: 'switch', negatable: true, fields: { svd: 'rewrite' } },
  ],
  examples: [
    'whittle lowrank model/ --budget 0.5 -o model-lowrank/',
    'whittle lowrank model/ --rank 16 --exclude "dense_3/**" -o model-r16/',
    'whittle lowrank model/ --energy 0.9 -o model-e90/',
    'whittle lowrank model/ --budget 0.25 --print-recipe   # the step, for --recipe',
  ],
};
