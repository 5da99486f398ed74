import { describe, expect, it } from 'vitest';
import { affineFromCodes, decode } from '../encoding/index.ts';
import { getParam } from '../model/model-queries.ts';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { replaceParams } from '../model/replace-params.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { cast, castHandler } from './cast.ts';

const values = Float32Array.from([0.1, -2.5, 3.14159, 65504, 1e-8, 0, -0.3, 7]);
const base = modelFromTensors({
  'encoder/dense/kernel': hostTensor('float32', [2, 4], values),
  'encoder/dense/bias': hostTensor('float32', [4]),
  'head/kernel': hostTensor('float32', [4, 2], values),
  'ids/kernel': hostTensor('int32', [2, 2]),
  'q/kernel': hostTensor('float32', [2, 2]),
});
const model = replaceParams(
  base,
  new Map([
    [
      'q/kernel',
      affineFromCodes({ shape: [2, 2], bits: 8, signed: true, granularity: { kind: 'tensor' }, codes: [1, 2, 3, 4], scales: hostTensor('float32', []) }),
    ],
  ]),
);
const apply = (step: ReturnType<typeof cast>) => castHandler.apply(model, castHandler.validate(step, { step: 0 }), { step: 0, resources: {} });

describe('cast', () => {
  it('builds plain JSON data', () => {
    expect(cast('float16')).toStrictEqual({ kind: 'cast', dtype: 'float16' });
    const filter = { include: ['a/*'], roles: ['bias' as const] };
    const step = cast('bfloat16', filter);
    expect(step).toStrictEqual({ kind: 'cast', dtype: 'bfloat16', include: ['a/*'], roles: ['bias'] });
    expect(step.include).not.toBe(filter.include);
    expect(JSON.parse(JSON.stringify(step))).toStrictEqual(step);
  });

  it('stores selected dense floats in the dtype, rounding to nearest', async () => {
    const result = await apply(cast('float16'));
    const kernel = getParam(result, 'encoder/dense/kernel');
    expect(kernel.value).toMatchObject({ kind: 'dense', tensor: { dtype: 'float16', shape: [2, 4] } });
    const decoded = decode(kernel.value).data as Float32Array;
    values.forEach((value, index) => expect(decoded[index]).toBeCloseTo(value, 2));
    expect(decoded[3]).toBe(65504);
  });

  it('leaves integer, quantized and unselected params as they are', async () => {
    const result = await apply(cast('float16', { exclude: ['head/**'] }));
    for (const name of ['encoder/dense/bias', 'head/kernel', 'ids/kernel', 'q/kernel']) {
      expect(getParam(result, name)).toBe(getParam(model, name));
    }
  });

  it('casts biases only when roles ask for them', async () => {
    const result = await apply(cast('bfloat16', { roles: ['bias'] }));
    expect(getParam(result, 'encoder/dense/bias').value).toMatchObject({ tensor: { dtype: 'bfloat16' } });
    expect(getParam(result, 'encoder/dense/kernel')).toBe(getParam(model, 'encoder/dense/kernel'));
  });

  it('widens back to float32', async () => {
    const half = await apply(cast('float16'));
    const back = await castHandler.apply(half, cast('float32'), { step: 0, resources: {} });
    expect(getParam(back, 'head/kernel').value).toMatchObject({ tensor: { dtype: 'float32' } });
  });

  it('rejects unknown fields and dtypes', () => {
    expect(() => castHandler.validate({ kind: 'cast', dtype: 'float16', exlude: [] }, { step: 3 })).toThrow(
      expect.objectContaining({ code: 'invalid-recipe', step: 3, field: 'exlude' }),
    );
    expect(() => castHandler.validate({ kind: 'cast', dtype: 'int8' }, { step: 3 })).toThrow(
      expect.objectContaining({ field: 'dtype' }),
    );
  });

  it('has an example step that its own validate accepts unchanged', () => {
    expect(castHandler.validate(castHandler.example!, { step: 1 })).toStrictEqual(castHandler.example);
  });
});
