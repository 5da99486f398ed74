import { create } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { WhittleError } from '@whittle/core';
import { describe, expect, test } from 'vitest';
import { encodeModelProto } from '../protobuf/decode-model-proto.ts';
import { MAX_MESSAGE_DEPTH } from '../protobuf/scan-wire.ts';
import { AttributeProtoSchema, GraphProtoSchema, ModelProtoSchema, TensorProtoSchema, type GraphProto, type ModelProto } from '../proto/onnx_pb.ts';
import { buildModelProto, mlpSpec } from '../test-support/test-models.ts';
import { readOnnxModel } from './read-onnx-model.ts';

const FILE = 'hostile.onnx';

async function refusal(bytes: Uint8Array): Promise<WhittleError> {
  const error = await readOnnxModel(bytes, { file: FILE }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(WhittleError);
  const typed = error as WhittleError;
  expect(typed.file).toBe(FILE);
  expect(typed.message).not.toMatch(/[\n\r]/);
  return typed;
}

function edited(edit: (proto: ModelProto) => void): Uint8Array {
  const proto = buildModelProto(mlpSpec());
  edit(proto);
  return encodeModelProto(proto);
}

/** A model whose graph holds a node with a graph attribute, `depth` times over. */
function nested(depth: number): Uint8Array {
  let graph: GraphProto = create(GraphProtoSchema, { name: 'leaf' });
  for (let level = 0; level < depth; level++) {
    graph = create(GraphProtoSchema, { node: [{ opType: 'If', attribute: [create(AttributeProtoSchema, { name: 'then_branch', type: 5, g: graph })] }] });
  }
  return encodeModelProto(create(ModelProtoSchema, { irVersion: 10n, graph }));
}

describe('hostile ONNX protobufs are typed errors naming the file and field', () => {
  const wireCases: [string, number[], string][] = [
    ['a truncated varint', [0x08, 0x80], 'ir_version'],
    ['a varint longer than 10 bytes', [0x08, ...new Array(11).fill(0xff), 0x01], 'ir_version'],
    ['a length past the end', [0x3a, 0x05, 0x01], 'graph'],
    ['a length past the end of its parent', [0x3a, 0x03, 0x0a, 0x05, 0x00], 'graph.node[0]'],
    ['a group wire type', [0x0b, 0x0c], 'ir_version'],
    ['wire type 7', [0x0f], 'ir_version'],
    ['a fixed32 where the schema has a varint', [0x0d, 0, 0, 0, 0], 'ir_version'],
    ['a varint where the schema has a message', [0x3a - 2, 0x01], 'graph'],
    ['field number 0', [0x00, 0x01], '(tag)'],
    ['a truncated tag', [0x80], '(tag)'],
    ['a packed list of dims cut mid-varint', [0x3a, 0x06, 0x2a, 0x04, 0x0a, 0x02, 0x80, 0x80], 'graph.initializer[0].dims[0]'],
    ['a packed float list of a partial value', [0x3a, 0x06, 0x2a, 0x04, 0x22, 0x02, 0x00, 0x00], 'graph.initializer[0].float_data[0]'],
  ];
  test.each(wireCases)('%s', async (_, bytes, field) => {
    expect((await refusal(new Uint8Array(bytes))).field).toBe(field);
  });

  test(`messages nested deeper than ${MAX_MESSAGE_DEPTH} levels are refused, and a deep but allowed graph reads`, async () => {
    const error = await refusal(nested(40));
    expect(error.field).toMatch(/^graph\.node\[0\]\.attribute\[0\]\.g\.node\[0\]/);
    expect(error.message).toMatch(/deeper than/);
    await expect(readOnnxModel(nested(15), { file: FILE })).resolves.toBeDefined();
  });

  test('millions of empty messages are refused before decoding, by the decoded-size budget', async () => {
    const count = 2_000_000;
    const body = new Uint8Array(2 * count);
    for (let index = 0; index < count; index++) body[2 * index] = 0x0a; // graph.node, length 0
    // graph (field 7) of 4,000,000 bytes: length varint 0x80 0x92 0xf4 0x01.
    const bytes = new Uint8Array([0x3a, 0x80, 0x92, 0xf4, 0x01]);
    const file = new Uint8Array(bytes.byteLength + body.byteLength);
    file.set(bytes);
    file.set(body, bytes.byteLength);
    const error = await refusal(file);
    expect(error.message).toMatch(/so many small messages/);
    expect(error.field).toMatch(/^graph\.node\[\d+\]$/);
  });

  const tensorCases: [string, (proto: ModelProto) => void, string, RegExp][] = [
    ['raw_data shorter than dims × type', (proto) => (proto.graph!.initializer[0]!.rawData = proto.graph!.initializer[0]!.rawData.slice(4)), 'graph.initializer[0].raw_data', /508 bytes.*need 512/],
    ['raw_data longer than dims × type', (proto) => (proto.graph!.initializer[1]!.rawData = new Uint8Array(68)), 'graph.initializer[1].raw_data', /68 bytes/],
    ['a negative dim', (proto) => (proto.graph!.initializer[0]!.dims = [-1n, 16n]), 'graph.initializer[0].dims', /dimension 0 is -1/],
    ['huge dims', (proto) => (proto.graph!.initializer[0]!.dims = [2n ** 40n, 2n ** 40n]), 'graph.initializer[0].dims', /elements|limit|over|exceed/],
    ['a dim past 2^53', (proto) => (proto.graph!.initializer[0]!.dims = [2n ** 62n]), 'graph.initializer[0].dims', /not a size/],
    ['float_data of the wrong count', (proto) => Object.assign(proto.graph!.initializer[1]!, { rawData: new Uint8Array(0), floatData: [1, 2, 3] }), 'graph.initializer[1].float_data', /3 values/],
    ['a duplicate initializer name', (proto) => (proto.graph!.initializer[1]!.name = 'w1'), 'graph.initializer[1].name', /used twice/],
    ['an initializer without a name', (proto) => (proto.graph!.initializer[2]!.name = ''), 'graph.initializer[2].name', /needs a name/],
    ['an int64 initializer of the wrong length', (proto) => proto.graph!.initializer.push({ ...proto.graph!.initializer[0]!, name: 'shape', dataType: 7, dims: [2n], rawData: new Uint8Array(12) }), 'graph.initializer[4].raw_data', /12 bytes/],
    ['external data without a reader', (proto) => Object.assign(proto.graph!.initializer[0]!, { rawData: new Uint8Array(0), dataLocation: 1, externalData: [{ $typeName: 'onnx.StringStringEntryProto', key: 'location', value: 'w.bin' }] }), 'graph.initializer[0].external_data', /readOnnxFile/],
    ['an external offset that is not a number', (proto) => Object.assign(proto.graph!.initializer[0]!, { rawData: new Uint8Array(0), dataLocation: 1, externalData: [{ $typeName: 'onnx.StringStringEntryProto', key: 'location', value: 'w.bin' }, { $typeName: 'onnx.StringStringEntryProto', key: 'offset', value: '1e3' }] }), 'graph.initializer[0].external_data.offset', /decimal/],
    ['no graph', (proto) => (proto.graph = undefined), 'graph', /no graph/],
  ];
  test.each(tensorCases)('%s', async (_, edit, field, message) => {
    const error = await refusal(edited(edit));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  test('any truncation of a valid model reads or is refused with a typed one-line error', async () => {
    const bytes = encodeModelProto(buildModelProto(mlpSpec()));
    for (let length = 0; length < bytes.byteLength; length++) {
      const result = await readOnnxModel(bytes.subarray(0, length), { file: FILE }).catch((caught: unknown) => caught);
      if (result instanceof Error) {
        expect(result).toBeInstanceOf(WhittleError);
        expect(result.message).not.toMatch(/[\n\r]/);
      }
    }
  });

  test('fuzz: byte edits, insertions and deletions read or are refused with a typed one-line error', async () => {
    const bytes = encodeModelProto(buildModelProto(mlpSpec()));
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), async (edits) => {
        const mutated = Array.from(bytes);
        for (const { kind, at, value } of edits) {
          const index = at % (mutated.length + 1);
          if (kind === 'set' && index < mutated.length) mutated[index] = value;
          if (kind === 'insert') mutated.splice(index, 0, value);
          if (kind === 'delete') mutated.splice(index, 1);
        }
        const result = await readOnnxModel(new Uint8Array(mutated), { file: FILE }).catch((caught: unknown) => caught);
        if (result instanceof Error) {
          expect(result).toBeInstanceOf(WhittleError);
          expect(result.message).not.toMatch(/[\n\r]/);
        }
      }),
      { numRuns: 1500 },
    );
  });

  test('fuzz: initializers of any dims, type, raw length, typed values and external entries read or are refused with a typed one-line error', async () => {
    const initializer = fc.record({
      dims: fc.array(fc.oneof(fc.bigInt({ min: -3n, max: 40n }), fc.constantFrom(2n ** 31n, 2n ** 62n, -(2n ** 63n))), { maxLength: 4 }),
      dataType: fc.integer({ min: 0, max: 30 }),
      raw: fc.nat({ max: 300 }),
      floats: fc.nat({ max: 50 }),
      location: fc.nat({ max: 2 }),
      externalData: fc.array(fc.record({ key: fc.constantFrom('location', 'offset', 'length', 'checksum', 'x'), value: fc.string({ maxLength: 12 }) }), { maxLength: 4 }),
      name: fc.constantFrom('w1', 'b1', 'fresh', ''),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(initializer, { minLength: 1, maxLength: 3 }), async (tensors) => {
        const bytes = edited((proto) => {
          for (const tensor of tensors) {
            proto.graph!.initializer.push(
              create(TensorProtoSchema, {
                name: tensor.name,
                dims: tensor.dims,
                dataType: tensor.dataType,
                rawData: new Uint8Array(tensor.raw),
                floatData: new Array(tensor.floats).fill(1),
                dataLocation: tensor.location,
                externalData: tensor.externalData,
              }),
            );
          }
        });
        const result = await readOnnxModel(bytes, { file: FILE }).catch((caught: unknown) => caught);
        if (result instanceof Error) {
          expect(result).toBeInstanceOf(WhittleError);
          expect(result.message).not.toMatch(/[\n\r]/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
