// Runs a TensorFlow.js graph model (the original, unconverted one) on one raw float32 or int32 tensor with tfjs's
// pure JavaScript CPU backend and writes every output, so the ONNX conversion can be compared with it value by value.
//
// usage: node tfjs-run.mjs --tfjs <folder with node_modules/@tensorflow/tfjs> --model <model.json>
//                          --input <tensor.bin (little-endian)> --shape 1,3,416,416 [--dtype float32|int32] --out <folder>
// writes <out>/outputs.json = [{ name, shape, dtype, file }] and one raw little-endian file per output, in the
// output's own dtype (float32 or int32).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument: ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const required of ['tfjs', 'model', 'input', 'shape', 'out']) {
    if (!args[required]) throw new Error(`missing --${required}`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
// tfjs lives in the cache's node folder, not next to this script: resolve it from there.
const require = createRequire(path.join(path.resolve(args.tfjs), 'package.json'));
const tf = require('@tensorflow/tfjs');
await tf.setBackend('cpu');
await tf.ready();

const modelJson = JSON.parse(fs.readFileSync(args.model, 'utf8'));
const dir = path.dirname(path.resolve(args.model));
const weightSpecs = [];
const shards = [];
for (const group of modelJson.weightsManifest) {
  weightSpecs.push(...group.weights);
  for (const p of group.paths) shards.push(fs.readFileSync(path.join(dir, p)));
}
const joined = Buffer.concat(shards);
const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
const model = await tf.loadGraphModel(tf.io.fromMemory({
  modelTopology: modelJson.modelTopology,
  weightSpecs,
  weightData,
  format: modelJson.format,
  generatedBy: modelJson.generatedBy,
  convertedBy: modelJson.convertedBy,
  signature: modelJson.signature,
}));

const dtype = args.dtype ?? 'float32';
const arrays = { float32: Float32Array, int32: Int32Array };
if (!arrays[dtype]) throw new Error(`unsupported --dtype ${dtype} (float32 or int32)`);
const raw = fs.readFileSync(args.input);
const values = new arrays[dtype](raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const shape = args.shape.split(',').map(Number);
const needed = shape.reduce((a, b) => a * b, 1);
if (values.length !== needed) throw new Error(`${args.input} holds ${values.length} ${dtype} values, shape [${shape}] needs ${needed}`);
const input = tf.tensor(values, shape, dtype);
const names = model.outputs.map((o) => o.name);
const result = model.execute(input, names);
const outputs = Array.isArray(result) ? result : [result];

fs.mkdirSync(args.out, { recursive: true });
const index = [];
for (let i = 0; i < outputs.length; i++) {
  const data = await outputs[i].data();
  const file = `output_${i}.bin`;
  fs.writeFileSync(path.join(args.out, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  index.push({ name: names[i], shape: outputs[i].shape, dtype: outputs[i].dtype, file });
}
fs.writeFileSync(path.join(args.out, 'outputs.json'), JSON.stringify(index, null, 2));
console.log(`tfjs ${tf.version.tfjs} (${tf.getBackend()}): ${index.map((o) => `${o.name} [${o.shape}]`).join(', ')}`);
