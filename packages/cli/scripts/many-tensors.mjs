// Writes a safetensors file of COUNT tiny tensors (F32 [1, 1], named t0000000.kernel, …), to
// measure how `whittle inspect` and `whittle compress` scale with the tensor count.
// node packages/cli/scripts/many-tensors.mjs [COUNT] [OUT]   (default 1,000,000 into many.safetensors)
import { closeSync, openSync, writeSync } from 'node:fs';

const count = Number(process.argv[2] ?? 1_000_000);
const output = process.argv[3] ?? 'many.safetensors';
const parts = ['{'];
for (let index = 0; index < count; index++) {
  const name = `t${String(index).padStart(7, '0')}.kernel`;
  parts.push(`${index ? ',' : ''}"${name}":{"dtype":"F32","shape":[1,1],"data_offsets":[${index * 4},${index * 4 + 4}]}`);
}
parts.push('}');
let header = Buffer.from(parts.join(''));
header = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)]);
const length = Buffer.alloc(8);
length.writeBigUInt64LE(BigInt(header.length));
const data = Buffer.alloc(count * 4);
for (let index = 0; index < count; index++) data.writeFloatLE(index * 0.5, index * 4);
const file = openSync(output, 'w');
writeSync(file, length);
writeSync(file, header);
writeSync(file, data);
closeSync(file);
console.log(`${output}: ${count} tensors, a ${header.length}-byte header`);
