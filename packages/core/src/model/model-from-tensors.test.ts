import { describe, expect, it } from 'vitest';
import { hostTensor, type HostTensor } from '../tensor/host-tensor.ts';
import { modelFromTensors } from './model-from-tensors.ts';

describe('modelFromTensors', () => {
  it('infers roles from names and shapes for a bare checkpoint', () => {
    const model = modelFromTensors({
      'fc.weight': hostTensor('float32', [4, 8]),
      'fc.bias': hostTensor('float32', [4]),
      'norm.weight': hostTensor('float16', [4]),
    });
    expect(model.format).toBe('checkpoint');
    expect(model.topology).toBeNull();
    expect([...model.params.values()].map((param) => param.role)).toEqual(['linear-weight', 'bias', 'norm-gamma']);
    expect(model.params.get('norm.weight')?.value).toMatchObject({ kind: 'dense', tensor: { dtype: 'float16' } });
  });

  it('reads roles and layers from a Keras topology, in the order given', () => {
    const topology = {
      class_name: 'Sequential',
      config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'dense', units: 2 } }] },
    };
    const tensors = new Map<string, HostTensor>([
      ['dense/bias', hostTensor('float32', [2])],
      ['dense/kernel', hostTensor('float32', [3, 2])],
      ['extra/thing', hostTensor('int32', [2])],
    ]);
    const model = modelFromTensors(tensors, { topology });
    expect(model.format).toBe('tfjs-layers');
    expect(model.topology).toBe(topology);
    expect([...model.params.values()].map(({ name, role, layer }) => [name, role, layer])).toEqual([
      ['dense/bias', 'bias', 'dense'],
      ['dense/kernel', 'dense-kernel', 'dense'],
      ['extra/thing', 'other', 'extra'],
    ]);
  });

  it('shares tensor data instead of copying it', () => {
    const tensor = hostTensor('float32', [2, 2]);
    const model = modelFromTensors([['w', tensor]]);
    expect(model.params.get('w')?.value).toMatchObject({ tensor: { data: tensor.data } });
  });

  it('rejects malformed tensors with a typed error naming them', () => {
    const bad = { dtype: 'float32', shape: [3], data: new Float32Array(2) };
    expect(() => modelFromTensors({ w: bad as never })).toThrow(expect.objectContaining({ field: expect.stringContaining('tensors["w"]') }));
    expect(() => modelFromTensors([['w']] as never)).toThrow(expect.objectContaining({ code: 'invalid-tensor' }));
    expect(() => modelFromTensors(null as never)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });
});
