import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.ts';
import { decode } from '../encoding/decode.ts';
import { fromLayersModel } from './from-layers-model.ts';

// Loading the backend (and the tfjs modules the test bundler transforms) can take a while on a busy machine.
beforeAll(async () => {
  await useBackend('cpu');
}, 120_000);

describe('fromLayersModel', () => {
  it('reads a LayersModel as tfjs saves it: names, roles, topology and weights', async () => {
    const layersModel = tfl.sequential({
      layers: [
        tfl.layers.dense({ name: 'first', units: 3, inputShape: [4], activation: 'relu' }),
        tfl.layers.batchNormalization({ name: 'norm' }),
        tfl.layers.dense({ name: 'last', units: 2, useBias: false }),
      ],
    });
    try {
      const model = await fromLayersModel(layersModel);
      expect(model.format).toBe('tfjs-layers');
      const roles = Object.fromEntries([...model.params.values()].map((param) => [param.name, param.role]));
      expect(roles).toEqual({
        'first/kernel': 'dense-kernel',
        'first/bias': 'bias',
        'norm/gamma': 'norm-gamma',
        'norm/beta': 'norm-beta',
        'norm/moving_mean': 'norm-mean',
        'norm/moving_variance': 'norm-variance',
        'last/kernel': 'dense-kernel',
      });
      for (const weight of layersModel.weights) {
        expect(decode(model.params.get(weight.originalName)!.value).data).toEqual(await weight.read().data());
      }
      // The topology is the model's own Keras JSON: stock tfjs rebuilds the same layers from it.
      const rebuilt = await tfl.models.modelFromJSON({ modelTopology: (model.topology as { modelTopology: unknown }).modelTopology } as never);
      expect(rebuilt.layers.map((layer) => layer.name)).toEqual(['first', 'norm', 'last']);
      rebuilt.dispose();
    } finally {
      layersModel.dispose();
    }
  });

  it('refuses what is not a LayersModel', async () => {
    await expect(fromLayersModel({} as never)).rejects.toMatchObject({ code: 'invalid-argument', field: 'layersModel' });
  });
});
