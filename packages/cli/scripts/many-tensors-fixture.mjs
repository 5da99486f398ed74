// Writes a small safetensors file of many mixed tensors, to pin what `whittle inspect` and
// `whittle compress` print and write for files of many tensors: mostly the tiny F32 [1, 1]
// tensors of many-tensors.mjs, among them dense layers (kernel, bias, norm), other dtypes,
// zero-element and scalar shapes, names with control characters and non-ASCII text, and a
// __metadata__ entry. The bytes depend on COUNT alone.
// node packages/cli/scripts/many-tensors-fixture.mjs [COUNT] [OUT]   (default 1,200 into mixed.safetensors)
import { closeSync, openSync, writeSync } from 'node:fs';

const count = Number(process.argv[2] ?? 1200);
const output = process.argv[3] ?? 'mixed.safetensors';

// A fixed linear congruential sequence, so the file is the same on every run and machine.
let state = 12345;
function next() {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return state / 2 ** 32;
}

const BYTES = { F32: 4, F16: 2, BF16: 2, F64: 8, I32: 4, U8: 1, I8: 1, BOOL: 1 };

/** Element bytes of one tensor, little-endian. */
function fill(dtype, elements) {
  const bytes = Buffer.alloc(elements * BYTES[dtype]);
  for (let index = 0; index < elements; index++) {
    const value = (next() - 0.5) * 4;
    if (dtype === 'F32') bytes.writeFloatLE(value, index * 4);
    else if (dtype === 'F64') bytes.writeDoubleLE(value, index * 8);
    else if (dtype === 'F16') bytes.writeUInt16LE(0x3000 + Math.floor(next() * 0x1800), index * 2);
    else if (dtype === 'BF16') bytes.writeUInt16LE(Buffer.from(new Float32Array([value]).buffer).readUInt16LE(2), index * 2);
    else if (dtype === 'I32') bytes.writeInt32LE(Math.floor(value * 1000), index * 4);
    else if (dtype === 'U8') bytes[index] = Math.floor(next() * 256);
    else if (dtype === 'I8') bytes.writeInt8(Math.floor(value * 30), index);
    else if (dtype === 'BOOL') bytes[index] = next() < 0.5 ? 0 : 1;
  }
  return bytes;
}

const tensors = [];
const add = (name, dtype, shape) => tensors.push({ name, dtype, shape });
for (let index = 0; index < count; index++) {
  const id = String(index).padStart(7, '0');
  switch (index % 40) {
    case 7:
      add(`layer${id}/dense/kernel`, 'F32', [6, 4]);
      add(`layer${id}/dense/bias`, 'F32', [4]);
      break;
    case 13:
      add(`layer${id}/norm/gamma`, 'F32', [4]);
      add(`layer${id}.weight`, 'F16', [3, 8]);
      break;
    case 19:
      add(`block${id}.embed.weight`, 'BF16', [5, 3]);
      add(`block${id}.position_ids`, 'I32', [1, 3]);
      break;
    case 23:
      add(`t${id}.scalar`, 'F32', []);
      add(`t${id}.empty`, 'F32', [0, 4]);
      add(`t${id}.mask`, 'BOOL', [3]);
      break;
    case 29:
      add(`t${id}.bytes`, 'U8', [4]);
      add(`t${id}.int8`, 'I8', [2, 2]);
      add(`t${id}.double`, 'F64', [2]);
      add(`t${id}.int32`, 'I32', [2]);
      break;
    case 31:
      add(`größe/ядро/核${id}/🙂.kernel`, 'F32', [2, 3]);
      break;
    case 37:
      add(`bad\nname${id}\u001b[31m\t\u007f.kernel`, 'F32', [1, 2]);
      break;
    default:
      add(`t${id}.kernel`, 'F32', [1, 1]);
  }
}

const entries = [JSON.stringify('__metadata__') + ':' + JSON.stringify({ format: 'pt', note: 'many tensors' })];
const datas = [];
let offset = 0;
for (const { name, dtype, shape } of tensors) {
  const data = fill(dtype, shape.reduce((product, size) => product * size, 1));
  entries.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype, shape, data_offsets: [offset, offset + data.length] })}`);
  datas.push(data);
  offset += data.length;
}
let header = Buffer.from(`{${entries.join(',')}}`);
header = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)]);
const length = Buffer.alloc(8);
length.writeBigUInt64LE(BigInt(header.length));
const file = openSync(output, 'w');
writeSync(file, length);
writeSync(file, header);
for (const data of datas) writeSync(file, data);
closeSync(file);
console.log(`${output}: ${tensors.length} tensors, a ${header.length}-byte header`);
