import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from './engine/onnx/decode.js';
import { messageType } from './engine/onnx/schema.js';
import { tensorFromProto } from './engine/onnx/tensor-proto.js';
import { inferShapes } from './engine/shape/index.js';
const dir = process.argv[2];
const model = decodeModel(readFileSync(join(dir, 'model.onnx')));
const g = model.graph; const T = messageType('TensorProto');
g.inputs.filter(i => !g.initializers.has(i.name)).forEach((inp, k) => {
  const p: any = T.decode(readFileSync(join(dir, 'test_data_set_0', `input_${k}.pb`)));
  const td = tensorFromProto(p, { what: 'x' }); g.initializers.set(inp.name, { ...td, name: inp.name });
});
g.inputs = [];
for (const o of g.outputs) o.type = undefined;
const types = inferShapes(model, { strict: true });
console.log([...model.opsets]);
for (const n of g.nodes) console.log(n.opType.padEnd(14), n.inputs.map(i => `${i}:${JSON.stringify((types.get(i) as any)?.shape)}`).join(' '), '->', n.outputs.map(o => `${o}:${JSON.stringify((types.get(o) as any)?.shape) ?? 'UNK'}`).join(' '), [...n.attributes].map(([k,a]) => `${k}=${a.type === 'g' ? 'graph' : JSON.stringify(a.value, (_k, v) => typeof v === 'bigint' ? Number(v) : v)?.slice(0,60)}`).join(' '));
