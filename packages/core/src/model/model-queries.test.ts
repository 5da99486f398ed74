import { describe, expect, it } from 'vitest';
import {
  affineFromCodes,
  castDense,
  codebookFromIndices,
  denseEncoding,
  lowRankEncoding,
  sparseFromDense,
} from '../encoding/index.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { createModel } from './create-model.ts';
import { describeEncoding } from './describe-encoding.ts';
import { listParams } from './list-params.ts';
import { modelFromTensors } from './model-from-tensors.ts';
import { countParams, getParam, modelByteLength } from './model-queries.ts';
import { replaceParams } from './replace-params.ts';

const kernel = hostTensor('float32', [64, 4], Float32Array.from({ length: 256 }, (_, index) => index % 7));
const model = modelFromTensors({ 'fc.weight': kernel, 'fc.bias': hostTensor('float32', [64]) });

const int4 = affineFromCodes({
  shape: [64, 4],
  bits: 4,
  signed: true,
  granularity: { kind: 'group', axis: 0, size: 32 },
  codes: new Array<number>(256).fill(1),
  scales: hostTensor('float16', [2, 4]),
});
const codebook = codebookFromIndices({ shape: [4], centroids: hostTensor('float32', [16]), indices: [0, 1, 2, 15] });

describe('describeEncoding', () => {
  it.each([
    [denseEncoding(kernel), 'dense float32'],
    [castDense(kernel, 'bfloat16'), 'dense bfloat16'],
    [int4, 'affine int4 group 32'],
    [affineFromCodes({ ...int4, codes: new Array<number>(256).fill(0), signed: false, bits: 8, granularity: { kind: 'tensor' }, scales: hostTensor('float32', []) }), 'affine uint8 per-tensor'],
    [codebook, 'codebook 4-bit'],
    [sparseFromDense(kernel, { kind: 'bitmask' }, () => codebookFromIndices({ shape: [219], centroids: hostTensor('float32', [16]), indices: new Array<number>(219).fill(0) })), 'sparse bitmask (codebook 4-bit)'],
    [sparseFromDense(hostTensor('float32', [1, 4]), { kind: 'nm', n: 2, m: 4 }), 'sparse 2:4 (dense float32)'],
    [sparseFromDense(hostTensor('float32', [1, 4]), { kind: 'csr', indexBits: 3 }), 'sparse csr 3-bit (dense float32)'],
    [lowRankEncoding({ shape: [64, 4], left: denseEncoding(hostTensor('float32', [64, 2])), right: castDense(hostTensor('float32', [2, 4]), 'float16') }), 'lowrank rank 2 (dense float32 × dense float16)'],
  ])('%#: %s', (encoding, text) => {
    expect(describeEncoding(encoding)).toBe(text);
  });
});

describe('model queries', () => {
  it('counts params and exact bytes', () => {
    expect(countParams(model)).toBe(256 + 64);
    expect(modelByteLength(model)).toBe((256 + 64) * 4);
  });

  it('lists one row per param', () => {
    const quantized = replaceParams(model, new Map([['fc.weight', int4]]));
    expect(listParams(quantized)).toEqual([
      {
        name: 'fc.weight', role: 'linear-weight', layer: undefined, shape: [64, 4],
        encoding: 'affine int4 group 32', params: 256, bytes: 128 + 16, bitsPerWeight: 4.5,
      },
      {
        name: 'fc.bias', role: 'bias', layer: undefined, shape: [64],
        encoding: 'dense float32', params: 64, bytes: 256, bitsPerWeight: 32,
      },
    ]);
  });

  it('gets a param or says which exist', () => {
    expect(getParam(model, 'fc.bias').shape).toEqual([64]);
    expect(() => getParam(model, 'fc.missing')).toThrow(/fc\.weight, fc\.bias/);
    expect(() => getParam(model, 'fc.missing')).toThrow(expect.objectContaining({ code: 'invalid-argument', field: 'name' }));
  });
});

describe('replaceParams', () => {
  it('returns a new model, sharing what it does not replace and leaving the input alone', () => {
    const before = getParam(model, 'fc.weight');
    const half = castDense(kernel, 'float16');
    const next = replaceParams(model, new Map([['fc.weight', half]]));
    expect(getParam(next, 'fc.weight').value).toBe(half);
    expect(getParam(next, 'fc.weight')).toMatchObject({ role: 'linear-weight', shape: [64, 4] });
    expect(getParam(next, 'fc.bias')).toBe(getParam(model, 'fc.bias'));
    expect(getParam(model, 'fc.weight')).toBe(before);
    expect([...next.params.keys()]).toEqual([...model.params.keys()]);
  });

  it('rejects unknown names and shape changes', () => {
    const value = denseEncoding(hostTensor('float32', [4, 64]));
    expect(() => replaceParams(model, new Map([['fc.weight', value]]))).toThrow(
      expect.objectContaining({ code: 'invalid-argument', field: 'updates["fc.weight"]' }),
    );
    expect(() => replaceParams(model, new Map([['nope', value]]))).toThrow(expect.objectContaining({ field: 'updates["nope"]' }));
  });

  it('keeps a model valid for createModel', () => {
    const next = replaceParams(model, new Map([['fc.weight', int4]]));
    expect(() => createModel(next)).not.toThrow();
  });
});
