import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { codebookFromIndices } from '../../encoding/codebook.ts';
import { castDense, denseEncoding } from '../../encoding/dense.ts';
import { WhittleError } from '../../errors.ts';
import { createModel } from '../../model/create-model.ts';
import { fieldPaths, mutationArbitrary, replaceAt } from '../../testing/malformed.ts';
import { parseModelJson } from './parse-model-json.ts';
import { readTfjsModel } from './read-tfjs-model.ts';
import { writeTfjsArtifacts } from './write-tfjs-artifacts.ts';

const FILE = 'fuzz/model.json';

/** A small valid layers model: stock float32, stock float16 and one whittle (codebook) param, in 10-byte shards. */
function fixture(): { modelJson: Record<string, unknown>; shards: Map<string, Uint8Array> } {
  const modelTopology = {
    class_name: 'Sequential',
    config: {
      name: 's',
      layers: [
        { class_name: 'Dense', config: { name: 'dense', units: 3 } },
        { class_name: 'Embedding', config: { name: 'embed' } },
      ],
    },
  };
  const model = createModel({
    format: 'tfjs-layers',
    topology: { modelTopology, format: 'layers-model', generatedBy: 'test', convertedBy: null },
    params: [
      {
        name: 'dense/kernel',
        role: 'dense-kernel',
        value: denseEncoding({ dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }),
      },
      {
        name: 'dense/bias',
        role: 'bias',
        value: castDense({ dtype: 'float32', shape: [3], data: Float32Array.of(0.5, 1, 2) }, 'float16'),
      },
      {
        name: 'embed/embeddings',
        role: 'embedding',
        value: codebookFromIndices({
          shape: [4, 2],
          centroids: { dtype: 'float32', shape: [2], data: Float32Array.of(-1, 1) },
          indices: [0, 1, 1, 0, 1, 1, 0, 0],
        }),
      },
    ],
  });
  const artifacts = writeTfjsArtifacts(model, { shardBytes: 10 });
  return {
    modelJson: JSON.parse(JSON.stringify(artifacts.modelJson)) as Record<string, unknown>,
    shards: new Map(artifacts.shards.map((shard) => [shard.path, shard.bytes])),
  };
}

const { modelJson: valid, shards: validShards } = fixture();

function read(modelJson: unknown, shards: ReadonlyMap<string, Uint8Array> = validShards) {
  return readTfjsModel(modelJson, async (path) => shards.get(path) ?? new Uint8Array(0), { file: FILE });
}

/** Resolves to the malformed-file error `promise` rejects with (failing on any other outcome). */
async function malformedError(promise: Promise<unknown>): Promise<WhittleError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught
  );
  expect(error).toBeInstanceOf(WhittleError);
  expect((error as WhittleError).code).toBe('malformed-file');
  expect((error as WhittleError).file).toBe(FILE);
  return error as WhittleError;
}

const entry = (index: number) => ['weightsManifest', 0, 'weights', index] as const;

describe('parseModelJson', () => {
  test('reads the fixture: format, verbatim topology, byte totals', async () => {
    const parsed = parseModelJson(JSON.stringify(valid), FILE);
    expect(parsed.format).toBe('tfjs-layers');
    expect(parsed.topology).toEqual({
      modelTopology: valid.modelTopology,
      format: 'layers-model',
      generatedBy: 'test',
      convertedBy: null,
    });
    expect(parsed.weightsManifest[0]!.byteLength).toBe(
      [...validShards.values()].reduce((sum, shard) => sum + shard.length, 0)
    );
    expect(parsed.whittleParams.map((param) => param.name)).toEqual(['embed/embeddings']);
    const model = await read(valid);
    expect([...model.params.keys()]).toEqual(['dense/kernel', 'dense/bias', 'embed/embeddings']);
  });

  const cases: Array<[string, unknown, RegExp | undefined, RegExp]> = [
    ['not JSON', '{"weightsManifest": [', undefined, /not JSON/],
    ['not an object', '[1, 2]', undefined, /JSON object/],
    ['no manifest', replaceAt(valid, ['weightsManifest'], undefined, true), /^weightsManifest$/, /array of groups/],
    ['a group that is not an object', replaceAt(valid, ['weightsManifest', 0], 7), /^weightsManifest\[0\]$/, /object/],
    ['paths missing', replaceAt(valid, ['weightsManifest', 0, 'paths'], undefined, true), /paths$/, /array/],
    ['weights not an array', replaceAt(valid, ['weightsManifest', 0, 'weights'], 'x'), /weights$/, /array/],
    ['a nameless weight', replaceAt(valid, [...entry(0), 'name'], ''), /weights\[0\]\.name$/, /non-empty/],
    ['a negative dimension', replaceAt(valid, [...entry(0), 'shape'], [2, -3]), /weights\[0\]\.shape$/, /non-negative/],
    [
      'a fractional dimension',
      replaceAt(valid, [...entry(0), 'shape'], [1.5]),
      /weights\[0\]\.shape$/,
      /non-negative integer/,
    ],
    [
      'an overflowing shape',
      replaceAt(valid, [...entry(0), 'shape'], [2 ** 20, 2 ** 20, 2 ** 20]),
      /weights\[0\]\.shape$/,
      /more than/,
    ],
    [
      'an unknown dtype',
      replaceAt(valid, [...entry(0), 'dtype'], 'float64'),
      /weights\[0\]\.dtype$/,
      /unknown weight dtype/,
    ],
    ['string weights', replaceAt(valid, [...entry(0), 'dtype'], 'string'), /weights\[0\]\.dtype$/, /not supported/],
    [
      'an unknown quantization dtype',
      replaceAt(valid, [...entry(1), 'quantization', 'dtype'], 'int4'),
      /quantization\.dtype$/,
      /unknown quantization/,
    ],
    [
      'uint8 without min',
      replaceAt(valid, [...entry(1), 'quantization'], { dtype: 'uint8', scale: 1 }),
      /quantization\.min$/,
      /finite/,
    ],
    [
      'a NaN scale',
      replaceAt(valid, [...entry(1), 'quantization'], { dtype: 'uint8', min: 0, scale: Number.NaN }),
      /quantization\.scale$/,
      /finite/,
    ],
    ['float16 on int32', replaceAt(valid, [...entry(1), 'dtype'], 'int32'), /weights\[1\]\.quantization$/, /float32/],
    ['duplicate names', replaceAt(valid, [...entry(1), 'name'], 'dense/kernel'), /weights\[1\]\.name$/, /duplicate/],
    ['a wrong-typed format', replaceAt(valid, ['format'], 3), /^format$/, /string/],
    ['an array topology', replaceAt(valid, ['modelTopology'], []), /^modelTopology$/, /object/],
    ['a numeric convertedBy', replaceAt(valid, ['convertedBy'], 1), /^convertedBy$/, /string or null/],
    ['a future whittle section', replaceAt(valid, ['whittle', 'version'], 2), /^whittle\.version$/, /unsupported/],
    [
      'a whittle entry of no param',
      replaceAt(valid, ['whittle', 'params'], []),
      /weights\[2\]\.name$/,
      /belongs to no param/,
    ],
    [
      'a whittle param without entries',
      replaceAt(valid, ['whittle', 'params', 1], { name: 'ghost', encoding: {} }),
      /^whittle\.params\[1\]$/,
      /no manifest entries/,
    ],
    [
      'a stock weight named like a whittle param',
      replaceAt(valid, [...entry(0), 'name'], 'embed/embeddings'),
      /weights\[0\]\.name$/,
      /both/,
    ],
  ];
  test.each(cases)('%s → malformed-file naming the field', (_, json, field, message) => {
    let error: unknown;
    try {
      parseModelJson(json, FILE);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WhittleError);
    expect((error as WhittleError).code).toBe('malformed-file');
    expect((error as WhittleError).file).toBe(FILE);
    if (field === undefined) expect((error as WhittleError).field).toBeUndefined();
    else expect((error as WhittleError).field).toMatch(field);
    expect((error as WhittleError).message).toMatch(message);
  });

  test.each([
    '../up.bin',
    'a/../../up.bin',
    '/etc/passwd',
    'C:\\w.bin',
    'C:w.bin',
    'a\\b.bin',
    'http://evil.test/w.bin',
    'file:///etc/passwd',
    '%2e%2e/w.bin',
    '.%2E/w.bin',
    'a%2f..%2fb',
    'a//b.bin',
    'dir/',
    '',
    'a\0b',
  ])('the weight path %j escapes and is rejected', (path) => {
    expect(() => parseModelJson(replaceAt(valid, ['weightsManifest', 0, 'paths', 0], path), FILE)).toThrow(
      expect.objectContaining({ code: 'malformed-file', field: 'weightsManifest[0].paths[0]' })
    );
  });

  test('http(s) URLs pass only when allowed; nested relative paths always', () => {
    const withUrl = replaceAt(valid, ['weightsManifest', 0, 'paths', 0], 'https://cdn.test/w.bin');
    expect(parseModelJson(withUrl, FILE, { allowUrls: true }).weightsManifest[0]!.paths[0]).toBe(
      'https://cdn.test/w.bin'
    );
    expect(() => parseModelJson(withUrl, FILE)).toThrow(WhittleError);
    expect(
      parseModelJson(replaceAt(valid, ['weightsManifest', 0, 'paths', 0], 'weights/./a..b.bin'), FILE).weightsManifest
    ).toHaveLength(1);
  });
});

describe('readTfjsModel on bad shards and metadata', () => {
  const firstPath = (valid.weightsManifest as Array<{ paths: string[] }>)[0]!.paths[0]!;
  const resized = (delta: number) => {
    const shards = new Map(validShards);
    const bytes = shards.get(firstPath)!;
    const copy = new Uint8Array(Math.max(0, bytes.length + delta));
    copy.set(bytes.subarray(0, copy.length));
    shards.set(firstPath, copy);
    return shards;
  };

  test.each([-1, 1, -10])('a shard %i bytes off is rejected before anything is decoded', async (delta) => {
    const error = await malformedError(read(valid, resized(delta)));
    expect(error.field).toBe('weightsManifest[0].paths');
    expect(error.message).toMatch(/bytes but the weights need/);
  });

  test('a manifest whose byte total is off by one', async () => {
    const error = await malformedError(read(replaceAt(valid, [...entry(0), 'shape'], [2, 3, 1, 1, 1, 2])));
    expect(error.field).toBe('weightsManifest[0].paths');
  });

  test('bool bytes other than 0 and 1, malformed whittle metadata, an unused component, a malformed Keras topology', async () => {
    const bools = { weightsManifest: [{ paths: ['b'], weights: [{ name: 'flags', shape: [2], dtype: 'bool' }] }] };
    expect((await malformedError(readTfjsModel(bools, async () => Uint8Array.of(1, 2), { file: FILE }))).field).toMatch(
      /^weightsManifest\[0\]\.weights\[0\]/
    );
    const badMetadata = replaceAt(valid, ['whittle', 'params', 0, 'encoding', 'bits'], 3);
    expect((await malformedError(read(badMetadata))).field).toMatch(/^whittle\.params\[0\]\.encoding/);
    const badKeras = replaceAt(valid, ['modelTopology', 'config', 'layers'], 'none');
    expect((await malformedError(read(badKeras))).field).toBe('modelTopology.config.layers');
  });
});

describe('fuzzing the reader', () => {
  test('mutated model.json files → a model or a malformed-file error naming the file, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(mutationArbitrary(valid), async (mutated) => {
        await read(mutated).catch((error: unknown) => {
          expect(error).toBeInstanceOf(WhittleError);
          expect((error as WhittleError).code).toBe('malformed-file');
          expect((error as WhittleError).file).toBe(FILE);
        });
      }),
      { numRuns: 400 }
    );
    expect(fieldPaths(valid).length).toBeGreaterThan(40);
  });

  test('truncated, extended and cut model.json text, and resized shards', async () => {
    const text = JSON.stringify(valid);
    const paths = [...validShards.keys()];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: text.length - 1 }),
        fc.constantFrom(...paths),
        fc.integer({ min: -12, max: 12 }),
        async (cut, path, delta) => {
          await malformedError(read(text.slice(0, cut)));
          if (delta === 0) return;
          const shards = new Map(validShards);
          const bytes = shards.get(path)!;
          const copy = new Uint8Array(Math.max(0, bytes.length + delta)).fill(0xff);
          copy.set(bytes.subarray(0, Math.min(bytes.length, copy.length)));
          shards.set(path, copy);
          await malformedError(read(valid, shards));
        }
      ),
      { numRuns: 150 }
    );
  });
});
