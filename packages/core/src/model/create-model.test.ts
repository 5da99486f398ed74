import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { denseEncoding } from '../encoding/index.ts';
import { WhittleError } from '../errors.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { createModel, type ParamInit } from './create-model.ts';

const value = (shape: number[]) => denseEncoding(hostTensor('float32', shape));
const kernel: ParamInit = { name: 'dense/kernel', role: 'dense-kernel', value: value([3, 2]), layer: 'dense' };
const bias: ParamInit = { name: 'dense/bias', role: 'bias', value: value([2]), shape: [2] };

describe('createModel', () => {
  it('keeps params in order, fills shapes in and keeps the topology verbatim', () => {
    const topology = { class_name: 'Sequential', config: { layers: [] } };
    const model = createModel({ format: 'tfjs-layers', topology, params: [kernel, bias] });
    expect([...model.params.keys()]).toEqual(['dense/kernel', 'dense/bias']);
    expect(model.params.get('dense/kernel')).toMatchObject({ shape: [3, 2], role: 'dense-kernel', layer: 'dense' });
    expect(model.params.get('dense/bias')?.layer).toBeUndefined();
    expect(model.topology).toBe(topology);
  });

  it('accepts every format of MODEL_FORMATS, onnx among them', () => {
    expect(createModel({ format: 'onnx', topology: { proto: {} }, params: [kernel] }).format).toBe('onnx');
  });

  it('accepts any iterable, including another model’s params map', () => {
    const first = createModel({ format: 'checkpoint', params: new Set([kernel, bias]) });
    const second = createModel({ ...first, params: first.params });
    expect([...second.params.keys()]).toEqual([...first.params.keys()]);
    expect(second.topology).toBeNull();
  });

  it.each([
    [{ format: 'pickle', params: [] }, 'format'],
    [{ format: 'checkpoint', params: 'abc' }, 'params'],
    [{ format: 'checkpoint', params: [kernel, kernel] }, 'params[1].name'],
    [{ format: 'checkpoint', params: [bias, { ...kernel, shape: [2, 3] }] }, 'params[1].shape'],
    [{ format: 'checkpoint', params: [{ ...kernel, shape: [3, -2] }] }, 'params[0].shape'],
    [{ format: 'checkpoint', params: [{ ...kernel, role: 'kernel' }] }, 'params[0].role'],
    [{ format: 'checkpoint', params: [{ ...kernel, name: '' }] }, 'params[0].name'],
    [{ format: 'checkpoint', params: [{ ...kernel, layer: 3 }] }, 'params[0].layer'],
    [{ format: 'checkpoint', params: [null] }, 'params[0]'],
  ])('rejects %j naming %s', (init, field) => {
    expect(() => createModel(init as never)).toThrow(expect.objectContaining({ code: 'invalid-model', field }));
  });

  it('reports a malformed encoding at its field', () => {
    const init = { format: 'checkpoint', params: [{ ...kernel, value: { kind: 'dense', tensor: 1 } }] };
    expect(() => createModel(init as never)).toThrow(expect.objectContaining({ field: expect.stringMatching(/^params\[0\]\.value/) }));
  });

  it('answers any input with a model or a WhittleError with a message', () => {
    const param = fc.record(
      {
        name: fc.oneof(fc.string(), fc.anything()),
        role: fc.oneof(fc.constantFrom('bias', 'dense-kernel', 'other'), fc.anything()),
        value: fc.oneof(fc.constant(value([2])), fc.anything()),
        shape: fc.oneof(fc.constant([2]), fc.array(fc.integer()), fc.anything()),
        layer: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const init = fc.oneof(
      fc.anything(),
      fc.record({ format: fc.oneof(fc.constant('checkpoint'), fc.anything()), params: fc.oneof(fc.array(param), fc.anything()) }),
    );
    fc.assert(
      fc.property(init, (candidate) => {
        try {
          createModel(candidate as never);
        } catch (error) {
          expect(error).toBeInstanceOf(WhittleError);
          expect((error as WhittleError).message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
