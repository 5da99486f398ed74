import { isWhittleError } from '@whittle/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { buildStudent } from './build-student.ts';
import { modelCost } from './model-cost.ts';
import { STUDENT_SPEC_FIELDS, validateStudentSpec } from './student-spec.ts';
import { cnnTeacher, loadStock, lstmTeacher, mlpTeacher, paramCount, runStock, sampleInputs } from './students.test-support.ts';

describe('buildStudent', () => {
  test('applies every change a spec names; each student loads and runs in stock tfjs with fewer params', async () => {
    const cnn = await cnnTeacher(4, 16);
    const lstm = await lstmTeacher(8);
    const mlp = await mlpTeacher(32, [48, 40], 5);
    const cases = [
      { teacher: cnn, spec: { width: 0.5, separable: true, multipleOf: 4 }, classes: ['DepthwiseConv2D', 'Conv2D'] },
      { teacher: lstm, spec: '{ "gru": true, "width": 0.5 }', classes: ['GRU'] },
      { teacher: mlp, spec: { width: 0.5, rank: 4 }, classes: ['Dense'] },
      { teacher: mlp, spec: { lowRankBudget: 0.3 }, classes: ['Dense'] },
      { teacher: cnn, spec: { separable: true, lowRankBudget: 0.5, seed: 3 }, classes: ['DepthwiseConv2D'] },
    ];
    for (const { teacher, spec, classes } of cases) {
      const student = await buildStudent(teacher.model, spec);
      expect(paramCount(student), JSON.stringify(spec)).toBeLessThan(paramCount(teacher.model));
      const layers = await loadStock(student);
      const present = new Set(layers.layers.map((layer) => layer.getClassName()));
      for (const name of classes) expect(present.has(name), `${JSON.stringify(spec)} has ${name}`).toBe(true);
      layers.dispose();
      const inputs = sampleInputs(2, teacher.inputShape, 1);
      const [output, expected] = [await runStock(student, inputs), await runStock(teacher.model, inputs)];
      expect(output.length).toBe(expected.length);
      expect(output.every(Number.isFinite)).toBe(true);
      inputs.dispose();
    }
  });

  test('applies width before separable and low rank after both (the documented order)', async () => {
    const { model } = await cnnTeacher(2, 16);
    const student = await buildStudent(model, { width: 0.5, separable: true });
    // Separable after width: the depthwise filters cover the narrowed 8 channels of conv_1.
    expect(student.params.get('conv_2_depthwise/depthwise_kernel')!.shape).toEqual([3, 3, 8, 1]);
    expect(student.params.get('conv_2/kernel')!.shape).toEqual([1, 1, 8, 16]);
    const mlp = await mlpTeacher(32, [48], 5);
    const factored = await buildStudent(mlp.model, { width: 0.5, rank: 4 });
    // Low rank last: the bottleneck keeps rank 4 rather than being narrowed to 2.
    expect(factored.params.get('hidden_1_down/kernel')!.shape).toEqual([32, 4]);
    expect(factored.params.get('hidden_1/kernel')!.shape).toEqual([4, 24]);
    expect(modelCost(factored).multiplyAdds).toBeLessThan(modelCost(mlp.model).multiplyAdds);
  });

  test('never changes the teacher', async () => {
    const { model } = await cnnTeacher(1, 8);
    const before = [...model.params.values()].map((param) => [param.name, [...param.shape]]);
    const topology = JSON.stringify(model.topology);
    await buildStudent(model, { width: 0.5, separable: true, rank: 2 });
    expect([...model.params.values()].map((param) => [param.name, [...param.shape]])).toEqual(before);
    expect(JSON.stringify(model.topology)).toBe(topology);
  });
});

describe('validateStudentSpec', () => {
  test('accepts the documented fields, as a value or as JSON text', () => {
    expect(validateStudentSpec({ width: 0.25, separable: true, gru: true, rank: 16, multipleOf: 8 })).toEqual({ width: 0.25, separable: true, gru: true, rank: 16, multipleOf: 8 });
    expect(validateStudentSpec('{ "lowRankBudget": 0.3, "seed": 4 }')).toEqual({ lowRankBudget: 0.3, seed: 4 });
  });

  test('refuses hostile specs with a typed one-line error naming the field', () => {
    const cases: [unknown, string][] = [
      [null, 'spec'],
      [[], 'spec'],
      [7, 'spec'],
      ['not json', 'spec'],
      ['x'.repeat(5000), 'spec'],
      [{}, 'spec'],
      [{ separable: false }, 'spec'],
      [new (class Spec { width = 0.5 })(), 'spec'],
      [{ width: 0 }, 'spec.width'],
      [{ width: 1.0001 }, 'spec.width'],
      [{ width: Number.NaN }, 'spec.width'],
      [{ width: '0.5' }, 'spec.width'],
      [{ width: 0.5, multipleOf: 0 }, 'spec.multipleOf'],
      [{ width: 0.5, multipleOf: 3.5 }, 'spec.multipleOf'],
      [{ separable: true, multipleOf: 8 }, 'spec.multipleOf'],
      [{ separable: 'yes' }, 'spec.separable'],
      [{ gru: 1 }, 'spec.gru'],
      [{ rank: 0 }, 'spec.rank'],
      [{ rank: 2 ** 60 }, 'spec.rank'],
      [{ rank: -1 }, 'spec.rank'],
      [{ rank: 4, lowRankBudget: 0.5 }, 'spec.lowRankBudget'],
      [{ lowRankBudget: 2 }, 'spec.lowRankBudget'],
      [{ width: 0.5, seed: -1 }, 'spec.seed'],
      [{ width: 0.5, depth: 2 }, 'spec.depth'],
      [JSON.parse('{ "width": 0.5, "__proto__": { "rank": 4 } }'), 'spec.__proto__'],
    ];
    for (const [spec, field] of cases) {
      let caught: unknown;
      try {
        validateStudentSpec(spec);
      } catch (error) {
        caught = error;
      }
      expect(isWhittleError(caught, 'invalid-argument'), `${String(spec).slice(0, 40)}: ${String(caught)}`).toBe(true);
      expect((caught as { field: string }).field).toBe(field);
      expect((caught as Error).message).not.toContain('\n');
    }
  });

  test('property: any JSON value is either a valid spec or a typed error, never a crash', () => {
    const field = fc.constantFrom(...STUDENT_SPEC_FIELDS, 'other', '__proto__', 'constructor');
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(field, fc.jsonValue())), (value) => {
        try {
          const spec = validateStudentSpec(value);
          for (const key of Object.keys(spec)) expect(STUDENT_SPEC_FIELDS).toContain(key);
          if (spec.width !== undefined) expect(spec.width > 0 && spec.width <= 1).toBe(true);
        } catch (error) {
          expect(isWhittleError(error, 'invalid-argument'), String(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('buildStudent refuses a bad spec before touching the teacher', async () => {
    const { model } = await mlpTeacher(4, [6], 2);
    await expect(buildStudent(model, { width: 2 } as never)).rejects.toMatchObject({ code: 'invalid-argument', field: 'spec.width' });
    await expect(buildStudent(model, { separable: true })).rejects.toMatchObject({ code: 'invalid-argument', field: 'teacher' });
  });
});
