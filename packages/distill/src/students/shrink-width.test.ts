import * as tf from '@tensorflow/tfjs-core';
import { decodeToFloat32, isWhittleError } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { shrinkWidth, targetWidth } from './shrink-width.ts';
import { cnnTeacher, lstmTeacher, maxDifference, mlpTeacher, paramCount, runStock, sampleInputs } from './students.test-support.ts';

describe('shrinkWidth', () => {
  test('factor 1 gives the teacher exactly: same params, same outputs in stock tfjs', async () => {
    for (const { model, inputShape } of [await mlpTeacher(6, [10, 7], 3), await cnnTeacher(), await lstmTeacher()]) {
      const student = shrinkWidth(model, { factor: 1 });
      expect([...student.params.keys()]).toEqual([...model.params.keys()]);
      for (const [name, param] of model.params) {
        expect(decodeToFloat32(student.params.get(name)!.value).data).toEqual(decodeToFloat32(param.value).data);
      }
      const inputs = sampleInputs(4, inputShape, 3);
      expect(await runStock(student, inputs)).toEqual(await runStock(model, inputs));
      inputs.dispose();
    }
  });

  test('keeps the channels of largest L2 norm: the student equals the teacher with the others zeroed', async () => {
    const { model } = await mlpTeacher(5, [8], 2, 4);
    const student = shrinkWidth(model, { factor: 0.5 });
    expect(student.params.get('hidden_1/kernel')!.shape).toEqual([5, 4]);
    // Oracle: plain maths on the teacher's weights. Rank hidden unit j by √(Σ W1[:, j]² + Σ W2[j, :]²).
    const w1 = decodeToFloat32(model.params.get('hidden_1/kernel')!.value).data;
    const w2 = decodeToFloat32(model.params.get('head/kernel')!.value).data;
    const norms = Array.from({ length: 8 }, (_, unit) => {
      let total = 0;
      for (let row = 0; row < 5; row++) total += w1[row * 8 + unit]! ** 2;
      for (let column = 0; column < 2; column++) total += w2[unit * 2 + column]! ** 2;
      return total;
    });
    const kept = [...norms.keys()].sort((a, b) => norms[b]! - norms[a]!).slice(0, 4).sort((a, b) => a - b);
    const sliced = decodeToFloat32(student.params.get('hidden_1/kernel')!.value).data;
    for (let row = 0; row < 5; row++) {
      kept.forEach((unit, index) => expect(sliced[row * 4 + index]).toBe(w1[row * 8 + unit]));
    }
    // The student runs as the teacher does with the dropped hidden units silenced.
    const inputs = sampleInputs(6, [5], 9);
    const teacherLayers = await (await import('./students.test-support.ts')).loadStock(model);
    const silenced = tf.tidy(() => {
      const mask = tf.tensor1d(Array.from({ length: 8 }, (_, unit) => (kept.includes(unit) ? 1 : 0)));
      const [kernel, bias, head, headBias] = teacherLayers.getWeights();
      const hidden = tf.mul(tf.relu(tf.add(tf.matMul(inputs, kernel!), bias!)), mask);
      return tf.softmax(tf.add(tf.matMul(hidden, head!), headBias!)).dataSync() as Float32Array;
    });
    teacherLayers.dispose();
    expect(maxDifference(await runStock(student, inputs), silenced)).toBeLessThan(1e-6);
    inputs.dispose();
  });

  test('scales Dense, Conv2D and LSTM widths, keeps inputs and outputs, and runs in stock tfjs', async () => {
    const cases = [
      { teacher: await cnnTeacher(2, 16), widths: { 'conv_1/kernel': [3, 3, 3, 8], 'conv_2/kernel': [3, 3, 8, 16], 'mix/kernel': [1, 1, 16, 8], 'head/kernel': [72, 4] } },
      { teacher: await lstmTeacher(8), widths: { 'lstm_1/kernel': [3, 16], 'lstm_2/kernel': [4, 16], 'lstm_2/recurrent_kernel': [4, 16], 'head/kernel': [4, 3] } },
    ];
    for (const { teacher, widths } of cases) {
      const student = shrinkWidth(teacher.model, { factor: 0.5 });
      for (const [name, shape] of Object.entries(widths)) expect(student.params.get(name)!.shape).toEqual(shape);
      expect(paramCount(student)).toBeLessThan(paramCount(teacher.model));
      const inputs = sampleInputs(2, teacher.inputShape, 1);
      const output = await runStock(student, inputs);
      expect(output.length).toBe((await runStock(teacher.model, inputs)).length);
      expect(output.every(Number.isFinite)).toBe(true);
      inputs.dispose();
    }
  });

  test('rounds to multipleOf and never widens a layer', () => {
    expect(targetWidth(100, 0.25, 8)).toBe(24);
    expect(targetWidth(6, 0.5, 8)).toBe(6);
    expect(targetWidth(10, 0.01)).toBe(1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 1e-6, max: 1, noNaN: true }), fc.integer({ min: 1, max: 64 }), (channels, factor, multiple) => {
        const width = targetWidth(channels, factor, multiple);
        return width >= 1 && width <= channels && (width === channels || width % multiple === 0);
      }),
    );
  });

  test('property: random MLPs shrink to students with fewer params that stock tfjs runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 4, max: 24 }), { minLength: 1, maxLength: 3 }),
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        fc.constantFrom(1, 2, 4),
        async (hidden, factor, multipleOf) => {
          const { model } = await mlpTeacher(5, hidden, 3, hidden.length);
          const student = shrinkWidth(model, { factor, multipleOf });
          hidden.forEach((units, index) => {
            expect(student.params.get(`hidden_${index + 1}/bias`)!.shape).toEqual([targetWidth(units, factor, multipleOf)]);
          });
          if (hidden.some((units) => targetWidth(units, factor, multipleOf) < units)) expect(paramCount(student)).toBeLessThan(paramCount(model));
          const inputs = sampleInputs(2, [5], 1);
          expect((await runStock(student, inputs)).length).toBe(6);
          inputs.dispose();
        },
      ),
      { numRuns: 12 },
    );
  });

  test('refuses bad options and models with typed errors naming the field', async () => {
    const { model } = await mlpTeacher(4, [6], 2);
    const cases: [unknown, unknown, string][] = [
      [model, { factor: 0 }, 'options.factor'],
      [model, { factor: 1.5 }, 'options.factor'],
      [model, { factor: Number.NaN }, 'options.factor'],
      [model, { factor: '0.5' }, 'options.factor'],
      [model, { factor: 0.5, multipleOf: 0 }, 'options.multipleOf'],
      [model, { factor: 0.5, multipleOf: 2.5 }, 'options.multipleOf'],
      [model, { factor: 0.5, multipleOf: 1e9 }, 'options.multipleOf'],
      [model, null, 'options'],
      [{ ...model, format: 'safetensors' }, { factor: 0.5 }, 'teacher.format'],
      [null, { factor: 0.5 }, 'teacher'],
    ];
    for (const [teacher, options, field] of cases) {
      let caught: unknown;
      try {
        shrinkWidth(teacher as never, options as never);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught, 'invalid-argument'), String(caught)).toBe(true);
      expect((caught as { field?: string }).field).toBe(field);
    }
  });
});
