/**
 * Test support: tfjs's own HTTP loader over artifacts held in memory, so tests load whittle's
 * output exactly as a browser would fetch it, with no whittle code on the loading side.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Model } from '../../model/types.ts';
import { readTfjsModel } from './read-tfjs-model.ts';
import type { TfjsArtifacts } from './write-tfjs-artifacts.ts';

const BASE = 'http://whittle.test/model/';

/** A stock `tf.io.http` handler whose fetches are served from `artifacts`, through JSON text. */
export function stockHttpHandler(artifacts: TfjsArtifacts): tf.io.IOHandler {
  const files = new Map<string, string | Uint8Array>([['model.json', JSON.stringify(artifacts.modelJson)]]);
  for (const shard of artifacts.shards) files.set(shard.path, shard.bytes);
  const fetchFunc = async (input: RequestInfo | URL): Promise<Response> => {
    const body = files.get(String(input).slice(BASE.length));
    return body === undefined ? new Response(null, { status: 404 }) : new Response(body as BodyInit);
  };
  return tf.io.http(`${BASE}model.json`, { fetchFunc: fetchFunc as typeof fetch });
}

/** Reads artifacts back with whittle, through the JSON text a file would hold. */
export function readArtifacts(artifacts: TfjsArtifacts): Promise<Model> {
  const shards = new Map(artifacts.shards.map((shard) => [shard.path, shard.bytes]));
  return readTfjsModel(JSON.stringify(artifacts.modelJson), async (path) => shards.get(path) ?? new Uint8Array(0));
}

/** Artifacts as tfjs-layers saves them (a withSaveHandler result) turned into model.json + one shard. */
export function artifactsFromSaved(saved: tf.io.ModelArtifacts): TfjsArtifacts {
  const { weightSpecs, weightData, ...fields } = saved;
  const bytes = new Uint8Array(weightData as ArrayBuffer);
  return {
    modelJson: { ...fields, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs as never }] },
    shards: [{ path: 'weights.bin', bytes }],
  };
}
