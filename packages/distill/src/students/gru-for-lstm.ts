/**
 * GRU students: each LSTM (four gates) becomes a GRU (three gates, Cho et al. 2014) of the same
 * width, so the recurrent layers hold a quarter fewer weights and do a quarter fewer multiply-adds.
 */
import { WhittleError, type Model } from '@whittle/core';
import { rewriteModel, type GraphNode, type ModelRewrite, type NewNode } from '@whittle/core/graph';
import { glorotUniform, zeros } from './seeded-weights.ts';
import { boundParam, checkTeacher, replaceKeepingName } from './teacher-model.ts';

/** Options of {@link gruForLstm}. */
export interface GruForLstmOptions {
  /** Seed of the GRUs' random kernels (default 0): equal seeds give equal students. */
  readonly seed?: number;
}

// The LSTM config fields a GRU shares, copied as they are; everything else is the GRU's own.
const SHARED_FIELDS = [
  'trainable',
  'dtype',
  'batch_input_shape',
  'activation',
  'recurrent_activation',
  'use_bias',
  'kernel_initializer',
  'recurrent_initializer',
  'bias_initializer',
  'kernel_regularizer',
  'recurrent_regularizer',
  'bias_regularizer',
  'activity_regularizer',
  'kernel_constraint',
  'recurrent_constraint',
  'bias_constraint',
  'dropout',
  'recurrent_dropout',
  'return_sequences',
  'go_backwards',
  'stateful',
  'unroll',
] as const;

/**
 * The student `teacher` becomes when every LSTM layer is replaced by a GRU of the same name,
 * units, activations, `return_sequences`, `go_backwards` and initializers. The gates of the two
 * cells mean different things, so the GRU's weights are not taken from the LSTM: its kernels are
 * seeded Glorot-uniform and its bias zero, to be trained (by distillation) afterwards. Every
 * other layer keeps the teacher's weights. Throws an `invalid-argument` WhittleError when the
 * teacher has no LSTM, and an `invalid-model` one for an LSTM that returns its state (a GRU has
 * one state where an LSTM has two, so the model's outputs would change).
 *
 * @example
 * ```ts
 * const student = gruForLstm(teacher, { seed: 1 });
 * countParams(student) < countParams(teacher); // true
 * ```
 */
export function gruForLstm(teacher: Model, options: GruForLstmOptions = {}): Model {
  checkTeacher(teacher);
  const seed = options?.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new WhittleError('invalid-argument', 'seed must be an integer', { field: 'options.seed' });
  }
  let rewrite: ModelRewrite = rewriteModel(teacher);
  const targets = rewrite.graph.nodes.filter((node) => node.op === 'LSTM');
  if (targets.length === 0) throw new WhittleError('invalid-argument', 'the teacher has no LSTM layer', { field: 'teacher' });
  targets.forEach((node, index) => {
    rewrite = replaceKeepingName(rewrite, node.name, [gruNode(rewrite, node, seed + 2 * index)]);
  });
  return rewrite.build();
}

function gruNode(rewrite: ModelRewrite, node: GraphNode, seed: number): NewNode {
  const field = `layers[${JSON.stringify(node.name)}]`;
  if (node.attributes.return_state === true) {
    throw new WhittleError('invalid-model', 'an LSTM that returns its state has no GRU of the same outputs', { field: `${field}.return_state` });
  }
  const units = node.attributes.units;
  const kernel = boundParam(rewrite.params, node, 'kernel');
  if (typeof units !== 'number' || !Number.isSafeInteger(units) || units < 1 || kernel === undefined || kernel.shape.length !== 2 || kernel.shape[1] !== 4 * units) {
    throw new WhittleError('invalid-model', `LSTM ${JSON.stringify(node.name)} has no kernel of 4 × its units`, { field: `${field}.units` });
  }
  const inputs = kernel.shape[0]!;
  const attributes: Record<string, unknown> = { units };
  for (const name of SHARED_FIELDS) if (node.attributes[name] !== undefined) attributes[name] = node.attributes[name];
  // tfjs-layers' GRU keeps one bias of 3 × units (no reset_after).
  attributes.reset_after = false;
  attributes.return_state = false;
  const params: NewNode['params'] = {
    kernel: glorotUniform(inputs, 3 * units, seed),
    recurrent_kernel: glorotUniform(units, 3 * units, seed + 1),
    ...(attributes.use_bias === false ? {} : { bias: zeros([3 * units]) }),
  };
  return { name: node.name, op: 'GRU', attributes, params };
}
