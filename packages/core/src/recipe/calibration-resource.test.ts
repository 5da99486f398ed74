import { describe, expect, it } from 'vitest';
import { modelFromTensors } from '../model/model-from-tensors.ts';
import { getParam } from '../model/model-queries.ts';
import { hostTensor } from '../tensor/host-tensor.ts';
import { calibrationField, calibrationNeed, isModelInputs, mappedLayerInputs, requireCalibration } from './calibration-resource.ts';

const model = modelFromTensors({ 'a/kernel': hostTensor('float32', [2, 2]), 'b/kernel': hostTensor('float32', [2, 2]), constructor: hostTensor('float32', [2, 2]) });
const a = getParam(model, 'a/kernel');
const b = getParam(model, 'b/kernel');

describe('the calibration resource', () => {
  it('takes batches of model inputs or layer inputs by name, and refuses anything else', () => {
    const { name, check } = calibrationNeed();
    expect(name).toBe('calibration');
    for (const value of [[], () => [], new Map(), {}]) expect(() => check!(value)).not.toThrow();
    for (const value of ['digits.safetensors', 7, null, true]) expect(() => check!(value)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(isModelInputs([{ inputs: hostTensor('float32', [1, 2]) }])).toBe(true);
    expect(isModelInputs(() => [])).toBe(true);
    expect(isModelInputs(new Map())).toBe(false);
    expect(isModelInputs({ 'a/kernel': [] })).toBe(false);
  });

  it('is a missing-resource error naming the step when absent', () => {
    expect(() => requireCalibration({ step: 4, resources: {} }, 'Wanda')).toThrow(
      expect.objectContaining({ code: 'missing-resource', step: 4, field: 'resources.calibration', message: expect.stringContaining('Wanda needs the "calibration" resource') }),
    );
    const calibration = { 'a/kernel': [] };
    expect(requireCalibration({ step: 1, resources: { calibration } }, 'Wanda')).toBe(calibration);
  });

  it('reads each entry once, however many params share it, and names a param without one', async () => {
    const shared = { rows: 3 };
    const calls: string[] = [];
    const lookup = mappedLayerInputs(new Map([['a/kernel', shared], ['b/kernel', shared]]), { step: 2 }, async (layer, param) => {
      calls.push(param.name);
      return layer.rows;
    });
    expect(await lookup(a)).toBe(3);
    expect(await lookup(b)).toBe(3);
    expect(calls).toEqual(['a/kernel']);
    // A plain object's inherited keys are not entries.
    const record = mappedLayerInputs({ 'a/kernel': shared }, { step: 2 }, async (layer) => layer.rows);
    expect(() => record(getParam(model, 'constructor'))).toThrow(expect.objectContaining({ code: 'invalid-argument', step: 2, field: 'resources.calibration["constructor"]' }));
    expect(() => record(b)).toThrow(expect.objectContaining({ field: calibrationField(b) }));
  });
});
