import type { VerbDefinition } from './verb-definition.ts';

/** The methods whose steps store what they prune sparse, with a `storage` object. */
const STORING = { magnitude: 'storage', nm: 'storage', wanda: 'storage', gradual: 'storage' } as const;

/** `storage.<name>` for every method that stores sparse. */
function storageFields(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(STORING).map(([method, field]) => [method, `${field}.${name}`]));
}

/** `whittle prune`: one `prune.*` step from flags named after the step's fields. */
export const PRUNE_VERB: VerbDefinition = {
  name: 'prune',
  description: 'prune weights with one prune step built from flags and write the result',
  methods: [
    { name: 'magnitude', kind: 'prune.magnitude' },
    { name: 'nm', kind: 'prune.nm' },
    { name: 'structured', kind: 'prune.structured' },
    { name: 'gradual', kind: 'prune.gradual', resourceFlags: ['--data'] },
    { name: 'wanda', kind: 'prune.wanda', resourceFlags: ['--data', '--calibration'] },
  ],
  flags: [
    { name: '--sparsity', placeholder: '<x>', description: 'share of weights (structured: of channels) removed, 0–1', value: 'number', fields: { magnitude: 'sparsity', structured: 'sparsity', wanda: 'sparsity' } },
    { name: '--sparsities', placeholder: '<json>', description: 'per-param sparsities by name glob, as JSON: \'{"dense_1/*":0.95}\'', value: 'json', fields: { magnitude: 'sparsities' } },
    { name: '--scope', placeholder: '<name>', description: 'rank weights per layer or across the model: layer|global (structured: group|global)', value: 'text', fields: { magnitude: 'scope', structured: 'scope', gradual: 'scope' } },
    { name: '--n', placeholder: '<n>', description: 'N:M pattern: weights kept in each block of m', value: 'number', fields: { nm: 'n', wanda: 'n' } },
    { name: '--m', placeholder: '<m>', description: 'N:M pattern: the block length', value: 'number', fields: { nm: 'm', wanda: 'm' } },
    { name: '--axis', placeholder: '<n>', description: 'N:M: the axis blocks run along', value: 'number', fields: { nm: 'axis' } },
    { name: '--storage', placeholder: '<layout>', description: 'how the pruned tensor is stored: auto|bitmask|csr|relative|dense (nm: also nm)', value: 'text', fields: storageFields('layout') },
    { name: '--index-bits', placeholder: '<n>', description: 'csr, relative: bits of each relative index', value: 'number', fields: storageFields('indexBits') },
    { name: '--value-bits', placeholder: '<n>', description: 'bits of each kept value', value: 'number', fields: storageFields('valueBits') },
    { name: '--norm', placeholder: '<name>', description: 'structured: channel importance norm, l1|l2', value: 'text', fields: { structured: 'norm' } },
    { name: '--round-to', placeholder: '<n>', description: 'structured: keep a multiple of this many channels', value: 'number', fields: { structured: 'roundTo' } },
    { name: '--ignore', placeholder: '<glob>', description: 'structured: layers never narrowed (repeat for more globs)', value: 'list', fields: { structured: 'ignore' } },
    { name: '--initial-sparsity', placeholder: '<x>', description: 'gradual: sparsity at --begin-step (default 0)', value: 'number', fields: { gradual: 'initialSparsity' } },
    { name: '--final-sparsity', placeholder: '<x>', description: 'gradual: sparsity from --end-step on', value: 'number', fields: { gradual: 'finalSparsity' } },
    { name: '--begin-step', placeholder: '<n>', description: 'gradual: optimizer step pruning starts at', value: 'number', fields: { gradual: 'beginStep' } },
    { name: '--end-step', placeholder: '<n>', description: 'gradual: optimizer step the final sparsity is reached at', value: 'number', fields: { gradual: 'endStep' } },
    { name: '--frequency', placeholder: '<n>', description: 'gradual: optimizer steps between mask updates', value: 'number', fields: { gradual: 'frequency' } },
    { name: '--epochs', placeholder: '<n>', description: 'gradual: training epochs', value: 'number', fields: { gradual: 'epochs' } },
    { name: '--batch-size', placeholder: '<n>', description: 'gradual: training batch size', value: 'number', fields: { gradual: 'batchSize' } },
    { name: '--learning-rate', placeholder: '<x>', description: "gradual: the optimizer's learning rate", value: 'number', fields: { gradual: 'learningRate' } },
    { name: '--optimizer', placeholder: '<name>', description: 'gradual: adam|sgd|rmsprop', value: 'text', fields: { gradual: 'optimizer' } },
  ],
  examples: [
    'whittle prune model/ --sparsity 0.9 -o model-sparse/',
    'whittle prune model/ --method nm --n 2 --m 4 -o model-2of4/',
    'whittle prune model/ --method structured --sparsity 0.5 --round-to 8 -o model-narrow/',
    'whittle prune model/ --method gradual --final-sparsity 0.9 --end-step 300 --data mnist -o model-gradual/',
    'whittle prune model/ --method wanda --sparsity 0.5 --data mnist -o model-wanda/',
    'whittle prune model/ --sparsity 0.9 --storage csr --index-bits 5 --print-recipe   # the step, for --recipe',
  ],
};
