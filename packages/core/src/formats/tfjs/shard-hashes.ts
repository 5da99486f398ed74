/**
 * A SHA-256 per weight shard in whittle's section of model.json, so a reader can tell the shards
 * a model.json was written with from any others under the same names (a replacement cut short,
 * a stray copy). Web-standard `crypto.subtle`, so it runs in Node, Deno, Bun and browsers.
 */
import { WHITTLE_SECTION, WHITTLE_SECTION_VERSION } from './model-json-types.ts';
import type { TfjsArtifacts } from './write-tfjs-artifacts.ts';

/**
 * The SHA-256 of `bytes` as 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * await sha256Hex(new Uint8Array()); // 'e3b0c442…b855'
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * The artifacts with every shard's SHA-256 recorded in whittle's section (`whittle.shards`,
 * one `{ path, sha256 }` per shard), which readers check before they use a shard. tfjs ignores
 * the section, so stock output still loads with plain tfjs. Pure: returns a new model.json object.
 *
 * @example
 * ```ts
 * const { modelJson, shards } = await withShardHashes(writeTfjsArtifacts(model));
 * ```
 */
export async function withShardHashes(artifacts: TfjsArtifacts): Promise<TfjsArtifacts> {
  const shards = [];
  for (const shard of artifacts.shards) shards.push({ path: shard.path, sha256: await sha256Hex(shard.bytes) });
  const section = artifacts.modelJson[WHITTLE_SECTION] as Record<string, unknown> | undefined;
  return {
    modelJson: {
      ...artifacts.modelJson,
      [WHITTLE_SECTION]: { ...(section ?? { version: WHITTLE_SECTION_VERSION, params: [] }), shards },
    },
    shards: artifacts.shards,
  };
}
