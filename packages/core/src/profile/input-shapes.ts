/**
 * The concrete input shapes a profile runs on: the one given, or the model's declared ones with
 * a batch of 1.
 */
import { WhittleError } from '../errors.ts';
import { checkInputShape } from './profile-options.ts';

/** A model input as the runner declares it: `null` (or -1 in a GraphDef) for a free axis. */
export interface DeclaredInput {
  readonly name: string;
  readonly shape: readonly (number | null)[] | undefined;
}

/**
 * One concrete shape per declared input. `given` (batch first) replaces the shape of a model
 * with one input, and must have its rank and agree on every fixed axis; without it, each
 * declared shape is used with its batch axis set to 1, and any other free axis is an
 * `invalid-argument` error asking for `inputShape`.
 *
 * @example
 * ```ts
 * resolveInputShapes([{ name: 'input', shape: [null, 784] }], undefined); // [[1, 784]]
 * resolveInputShapes([{ name: 'input', shape: [null, 784] }], [32, 784]); // [[32, 784]]
 * ```
 */
export function resolveInputShapes(declared: readonly DeclaredInput[], given: readonly number[] | undefined): number[][] {
  if (given !== undefined) {
    if (declared.length !== 1) {
      throw new WhittleError('invalid-argument', `the model has ${declared.length} inputs; one input shape fits only a model with one`, { field: 'inputShape' });
    }
    const shape = declared[0]!.shape;
    if (shape !== undefined) {
      if (shape.length !== given.length) {
        throw new WhittleError('invalid-argument', `the model's input takes ${shape.length} dimensions, the input shape has ${given.length}`, { field: 'inputShape' });
      }
      shape.forEach((extent, axis) => {
        if (axis > 0 && isFixed(extent) && extent !== given[axis]) {
          throw new WhittleError('invalid-argument', `the model's input has ${extent} at axis ${axis}, the input shape ${given[axis]}`, { field: 'inputShape' });
        }
      });
    }
    return [[...given]];
  }
  return declared.map(({ name, shape }) => {
    if (shape === undefined) {
      throw new WhittleError('invalid-argument', `the model does not declare the shape of its input ${JSON.stringify(name.slice(0, 80))}; give an input shape`, { field: 'inputShape' });
    }
    const concrete = shape.map((extent, axis) => {
      if (isFixed(extent)) return extent;
      if (axis === 0) return 1;
      throw new WhittleError('invalid-argument', `the model's input ${JSON.stringify(name.slice(0, 80))} leaves axis ${axis} open; give an input shape`, { field: 'inputShape' });
    });
    return [...checkInputShape(concrete, 'inputShape')];
  });
}

function isFixed(extent: number | null): extent is number {
  return typeof extent === 'number' && extent >= 0;
}
