import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inferRole, inferRoles } from './infer-role.ts';
import { isParamRole } from './param-roles.ts';
import type { ParamRole } from './types.ts';

describe('inferRole', () => {
  it.each([
    // Llama / Hugging Face
    ['model.embed_tokens.weight', [32000, 4096], 'embedding'],
    ['model.layers.0.self_attn.q_proj.weight', [4096, 4096], 'linear-weight'],
    ['model.layers.0.input_layernorm.weight', [4096], 'norm-gamma'],
    ['model.norm.weight', [4096], 'norm-gamma'],
    ['lm_head.weight', [32000, 4096], 'linear-weight'],
    ['tok_embeddings.weight', [32000, 4096], 'embedding'],
    // GPT-2
    ['transformer.wte.weight', [50257, 768], 'embedding'],
    ['transformer.wpe.weight', [1024, 768], 'embedding'],
    ['transformer.h.0.ln_1.weight', [768], 'norm-gamma'],
    ['transformer.h.0.ln_1.bias', [768], 'norm-beta'],
    ['transformer.h.0.attn.c_attn.weight', [768, 2304], 'dense-kernel'],
    ['transformer.h.0.attn.c_attn.bias', [2304], 'bias'],
    ['transformer.ln_f.bias', [768], 'norm-beta'],
    // BERT
    ['bert.embeddings.word_embeddings.weight', [30522, 768], 'embedding'],
    ['bert.embeddings.LayerNorm.weight', [768], 'norm-gamma'],
    ['bert.encoder.layer.0.attention.output.LayerNorm.bias', [768], 'norm-beta'],
    ['bert.encoder.layer.0.intermediate.dense.weight', [3072, 768], 'linear-weight'],
    ['bert.embeddings.position_ids', [1, 512], 'other'],
    // torchvision ResNet
    ['conv1.weight', [64, 3, 7, 7], 'other'],
    ['bn1.weight', [64], 'norm-gamma'],
    ['bn1.bias', [64], 'norm-beta'],
    ['bn1.running_mean', [64], 'norm-mean'],
    ['bn1.running_var', [64], 'norm-variance'],
    ['bn1.num_batches_tracked', [], 'other'],
    ['fc.weight', [1000, 512], 'linear-weight'],
    ['fc.bias', [1000], 'bias'],
    // nn.MultiheadAttention
    ['attn.in_proj_weight', [768, 256], 'linear-weight'],
    ['attn.in_proj_bias', [768], 'bias'],
    // Keras names without a topology
    ['dense_1/kernel', [8, 4], 'dense-kernel'],
    ['conv2d/kernel:0', [3, 3, 3, 16], 'conv2d-kernel'],
    ['separable_conv2d/depthwise_kernel', [3, 3, 8, 1], 'depthwise-kernel'],
    ['separable_conv2d/pointwise_kernel', [1, 1, 8, 16], 'pointwise-kernel'],
    ['embedding/embeddings', [100, 8], 'embedding'],
    ['batch_normalization/gamma', [16], 'norm-gamma'],
    ['batch_normalization/moving_variance', [16], 'norm-variance'],
    // Neither
    ['scale', [1], 'other'],
    ['bias', [2, 2], 'other'],
    ['', [], 'other'],
  ])('%s %j → %s', (name, shape, role) => {
    expect(inferRole(name, shape)).toBe(role);
  });

  it('always answers a known role', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.nat({ max: 8 }), { maxLength: 5 }), (name, shape) => {
        expect(isParamRole(inferRole(name, shape))).toBe(true);
      }),
    );
  });
});

describe('inferRoles', () => {
  it('reads a norm by its running statistics whatever it is called', () => {
    const roles = inferRoles([
      ['layer1.0.downsample.0.weight', [256, 64, 1, 1]],
      ['layer1.0.downsample.1.weight', [256]],
      ['layer1.0.downsample.1.bias', [256]],
      ['layer1.0.downsample.1.running_mean', [256]],
      ['layer1.0.downsample.1.running_var', [256]],
      ['classifier.bias', [10]],
    ]);
    expect([...roles.values()]).toEqual(['other', 'norm-gamma', 'norm-beta', 'norm-mean', 'norm-variance', 'bias']);
  });
});

describe('inferRole against the rules read plainly', () => {
  /** The documented rules, written as they read: split the whole name, then first match wins. */
  function referenceRole(name: string, shape: readonly number[]): ParamRole {
    const segments = name.replace(/:\d+$/, '').toLowerCase().split(/[./]/);
    const last = segments[segments.length - 1]!;
    const modules = segments.slice(0, -1);
    const rank = shape.length;
    const norm = modules.some((segment) => segment.includes('norm') || /(^|_)(ln|bn)(_|\d|$)/.test(segment));
    if (last === 'running_mean' || last === 'moving_mean') return rank === 1 ? 'norm-mean' : 'other';
    if (last === 'running_var' || last === 'moving_variance') return rank === 1 ? 'norm-variance' : 'other';
    if (rank === 1 && norm && ['weight', 'gamma', 'scale'].includes(last)) return 'norm-gamma';
    if (rank === 1 && norm && ['bias', 'beta'].includes(last)) return 'norm-beta';
    if (last === 'bias' || last.endsWith('_bias')) return rank === 1 ? 'bias' : 'other';
    if (last === 'weight' || last === 'in_proj_weight') {
      if (rank !== 2) return 'other';
      if (segments.some((segment) => segment.includes('embed') || segment === 'wte' || segment === 'wpe')) return 'embedding';
      if (modules.some((segment) => ['c_attn', 'c_proj', 'c_fc'].includes(segment))) return 'dense-kernel';
      return 'linear-weight';
    }
    if (last === 'kernel') return rank === 2 ? 'dense-kernel' : rank >= 3 && rank <= 5 ? 'conv2d-kernel' : 'other';
    if (last === 'recurrent_kernel') return rank === 2 ? 'dense-kernel' : 'other';
    if (last === 'depthwise_kernel') return rank >= 3 ? 'depthwise-kernel' : 'other';
    if (last === 'pointwise_kernel') return rank >= 3 ? 'pointwise-kernel' : 'other';
    if (last === 'embeddings') return rank === 2 ? 'embedding' : 'other';
    if (last === 'gamma') return rank === 1 ? 'norm-gamma' : 'other';
    if (last === 'beta') return rank === 1 ? 'norm-beta' : 'other';
    return 'other';
  }

  const segment = fc.constantFrom(
    'weight', 'Weight', 'bias', 'in_proj_bias', 'in_proj_weight', 'gamma', 'beta', 'scale', 'kernel', 'recurrent_kernel',
    'depthwise_kernel', 'pointwise_kernel', 'embeddings', 'running_mean', 'moving_mean', 'running_var', 'moving_variance',
    'LayerNorm', 'ln_1', 'bn1', 'wte', 'wpe', 'embed_tokens', 'c_attn', 'c_fc', 'layers', '0', 'mlp', 'x', '',
  );
  const name = fc
    .tuple(fc.array(fc.tuple(segment, fc.constantFrom('.', '/')), { maxLength: 4 }), segment, fc.constantFrom('', ':0', ':12'))
    .map(([modules, last, suffix]) => modules.map(([part, separator]) => part + separator).join('') + last + suffix);

  it('gives the role the plain rules give, for any name and rank', () => {
    fc.assert(
      fc.property(name, fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 6 }), (paramName, shape) => {
        expect(inferRole(paramName, shape)).toBe(referenceRole(paramName, shape));
      }),
      { numRuns: 2000 },
    );
  });
});
