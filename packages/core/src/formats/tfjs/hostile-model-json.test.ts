/**
 * Adversarial model.json text: deep nesting, duplicate keys, `__proto__` keys, and whittle's
 * shard hashes. Each is a typed malformed-file error naming the file and the key path, or is
 * kept as data through a read and a write.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WhittleError } from '../../errors.ts';
import { sequenceModel } from '../../fs/test-model.test-support.ts';
import { MAX_MODEL_JSON_DEPTH, parseModelJson } from './parse-model-json.ts';
import { readTfjsModel } from './read-tfjs-model.ts';
import { withShardHashes } from './shard-hashes.ts';
import { writeTfjsArtifacts } from './write-tfjs-artifacts.ts';

const FILE = 'in/model.json';

/** A valid model.json whose modelTopology holds `inner` under `deep`. */
function withTopology(inner: string): string {
  return `{"format":"layers-model","modelTopology":{"deep":${inner}},"weightsManifest":[]}`;
}

describe('nesting depth', () => {
  test('any depth: within the bound it parses, past it a malformed-file error; never a stack overflow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.boolean(), (depth, arrays) => {
        const inner = arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        const json = withTopology(depth === 0 ? '0' : inner);
        // The topology itself sits two levels down (root, modelTopology).
        if (depth + 2 <= MAX_MODEL_JSON_DEPTH) {
          const parsed = parseModelJson(json, FILE);
          const { weightsManifest: _manifest, ...topology } = JSON.parse(json) as Record<string, unknown>;
          expect(JSON.parse(JSON.stringify(parsed.topology))).toEqual(topology);
        } else {
          let error: unknown;
          try {
            parseModelJson(json, FILE);
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(WhittleError);
          expect(error).toMatchObject({ code: 'malformed-file', file: FILE, message: expect.stringMatching(/nests more than/) });
        }
      }),
      { numRuns: 60 }
    );
  });

  test('10,000 deep, as text or as an object (even a cyclic one), is refused', () => {
    const text = withTopology('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000));
    expect(() => parseModelJson(text, FILE)).toThrow(/nests more than 256 deep/);
    let deep: unknown = 1;
    for (let index = 0; index < 10_000; index++) deep = { a: deep };
    expect(() => parseModelJson({ modelTopology: deep, weightsManifest: [] }, FILE)).toThrow(WhittleError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => parseModelJson({ modelTopology: cyclic, weightsManifest: [] }, FILE)).toThrow(WhittleError);
    // Shared, not cyclic: 200 levels of a diamond (2^200 paths) are walked quickly and accepted.
    let diamond: unknown = 1;
    for (let index = 0; index < 200; index++) diamond = { left: diamond, right: diamond };
    expect(parseModelJson({ userDefinedMetadata: { diamond }, weightsManifest: [] }, FILE).topology).toHaveProperty('userDefinedMetadata');
  });
});

describe('keys are data', () => {
  test('a duplicate key anywhere is refused, naming the key path', () => {
    for (const [text, field] of [
      ['{"weightsManifest":[],"weightsManifest":[]}', 'weightsManifest'],
      ['{"modelTopology":{"config":{"name":"a","name":"b"}},"weightsManifest":[]}', 'modelTopology.config.name'],
      [
        '{"weightsManifest":[{"paths":[],"weights":[{"name":"w","name":"v","shape":[],"dtype":"float32"}]}]}',
        'weightsManifest[].weights[].name',
      ],
    ] as const) {
      expect(() => parseModelJson(text, FILE)).toThrow(expect.objectContaining({ code: 'malformed-file', file: FILE, field }));
    }
  });

  test('fast-check: a duplicated key at any place of a random object is found', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.integer(), { minKeys: 1, maxKeys: 6 }), (record) => {
        const [key] = Object.keys(record);
        const body = JSON.stringify(record).slice(1, -1);
        const text = `{"modelTopology":{${body},${JSON.stringify(key)}:0},"weightsManifest":[]}`;
        expect(() => parseModelJson(text, FILE)).toThrow(expect.objectContaining({ field: `modelTopology.${key}` }));
      }),
      { numRuns: 100 }
    );
  });

  test('"__proto__" stays an ordinary key through read and write, at the top level and inside', async () => {
    const text =
      '{"__proto__":{"polluted":true},"userDefinedMetadata":{"__proto__":[1]},"weightsManifest":[]}';
    const model = await readTfjsModel(text, async () => new Uint8Array(0));
    const written = JSON.stringify(writeTfjsArtifacts(model).modelJson);
    const back = JSON.parse(written) as Record<string, unknown>;
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.getOwnPropertyDescriptor(back.userDefinedMetadata, '__proto__')?.value).toEqual([1]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("whittle's shard hashes", () => {
  test('shards that are not the ones written are refused; the right ones read', async () => {
    const artifacts = await withShardHashes(writeTfjsArtifacts(sequenceModel(2, 4), { shardBytes: 16 }));
    const shards = new Map(artifacts.shards.map((shard) => [shard.path, shard.bytes]));
    const text = JSON.stringify(artifacts.modelJson);
    expect((await readTfjsModel(text, async (path) => shards.get(path)!)).params.size).toBe(2);
    const swapped = async (path: string) => (path === artifacts.shards[0]!.path ? artifacts.shards[1]!.bytes : shards.get(path)!);
    await expect(readTfjsModel(text, swapped, { file: FILE })).rejects.toMatchObject({
      code: 'malformed-file',
      file: FILE,
      field: 'whittle.shards[0].sha256',
    });
  });

  test('a malformed hash list is refused naming the field', () => {
    const { modelJson } = writeTfjsArtifacts(sequenceModel(1, 4));
    const path = modelJson.weightsManifest[0]!.paths[0]!;
    const good = 'a'.repeat(64);
    for (const [shards, field] of [
      ['x', 'whittle.shards'],
      [[{ path, sha256: 'A'.repeat(64) }], 'whittle.shards[0].sha256'],
      [[{ path, sha256: good }, { path, sha256: good }], 'whittle.shards[1].path'],
      [[{ path: 'other.bin', sha256: good }], 'weightsManifest[0].paths[0]'],
      [[], undefined],
    ] as const) {
      const json = { ...modelJson, whittle: { version: 1, params: [], shards } };
      if (field === undefined) parseModelJson(json, FILE);
      else expect(() => parseModelJson(json, FILE)).toThrow(expect.objectContaining({ code: 'malformed-file', field }));
    }
  });
});
