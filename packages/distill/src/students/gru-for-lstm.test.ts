import * as tfl from '@tensorflow/tfjs-layers';
import { decodeToFloat32, isWhittleError } from '@whittle/core';
import { fromLayersModel } from '@whittle/core/runner';
import { describe, expect, test } from 'vitest';
import { gruForLstm } from './gru-for-lstm.ts';
import { loadStock, lstmTeacher, mlpTeacher, paramCount, runStock, sampleInputs } from './students.test-support.ts';

describe('gruForLstm', () => {
  test('each LSTM becomes a GRU of the same units and return_sequences that stock tfjs loads and runs', async () => {
    const { model, inputShape } = await lstmTeacher(6);
    const student = gruForLstm(model, { seed: 3 });
    const layers = await loadStock(student);
    expect(layers.layers.map((layer) => `${layer.name}:${layer.getClassName()}`)).toEqual(['lstm_1:GRU', 'lstm_2:GRU', 'head:Dense']);
    expect(layers.getLayer('lstm_1').getConfig()).toMatchObject({ units: 6, returnSequences: true, activation: 'tanh', recurrentActivation: 'hardSigmoid' });
    expect(layers.getLayer('lstm_2').getConfig()).toMatchObject({ units: 6, returnSequences: false });
    layers.dispose();
    // Oracle: 3·u·(in + u + 1) for each GRU where the LSTM had 4·u·(in + u + 1).
    const recurrentBefore = 4 * 6 * (3 + 6 + 1) + 4 * 6 * (6 + 6 + 1);
    const recurrentAfter = 3 * 6 * (3 + 6 + 1) + 3 * 6 * (6 + 6 + 1);
    expect(paramCount(model) - paramCount(student)).toBe(recurrentBefore - recurrentAfter);
    expect(decodeToFloat32(student.params.get('head/kernel')!.value).data).toEqual(decodeToFloat32(model.params.get('head/kernel')!.value).data);
    const inputs = sampleInputs(4, inputShape, 2);
    const output = await runStock(student, inputs);
    expect(output.length).toBe(12);
    expect(output.every(Number.isFinite)).toBe(true);
    inputs.dispose();
  });

  test('is deterministic in its seed and different across seeds', async () => {
    const { model } = await lstmTeacher(4);
    const kernel = (seed: number) => decodeToFloat32(gruForLstm(model, { seed }).params.get('lstm_1/kernel')!.value).data;
    expect(kernel(1)).toEqual(kernel(1));
    expect(kernel(1)).not.toEqual(kernel(2));
  });

  test('refuses an LSTM returning its state, a teacher without LSTM, and bad seeds', async () => {
    const input = tfl.input({ shape: [4, 2] });
    const [sequence] = tfl.layers.lstm({ units: 3, returnState: true, name: 'stateful', recurrentInitializer: 'glorotNormal' }).apply(input) as tfl.SymbolicTensor[];
    const withState = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(sequence!) as tfl.SymbolicTensor });
    const stateTeacher = await fromLayersModel(withState);
    withState.dispose();
    const cases: [unknown, unknown, string, string][] = [
      [stateTeacher, {}, 'invalid-model', 'layers["stateful"].return_state'],
      [(await mlpTeacher(3, [4], 2)).model, {}, 'invalid-argument', 'teacher'],
      [(await lstmTeacher()).model, { seed: 1.5 }, 'invalid-argument', 'options.seed'],
    ];
    for (const [teacher, options, code, field] of cases) {
      let caught: unknown;
      try {
        gruForLstm(teacher as never, options as never);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught, code as never), String(caught)).toBe(true);
      expect((caught as { field: string }).field).toBe(field);
    }
  });
});
