import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from './engine/onnx/decode.js';
import { messageType } from './engine/onnx/schema.js';
import { typeName } from './engine/dtype.js';
import { tensorFromProto } from './engine/onnx/tensor-proto.js';
import { inferShapes, ShapeInferenceError } from './engine/shape/index.js';
const root = '/work/shared/onnx-backend';
const T = messageType('TensorProto');
const stats: Record<string, number> = {};
const report: Record<string, string[]> = { mismatch: [], threw: [], crashed: [], unknown: [] };
for (const folder of ['node', 'simple', 'pytorch-operator', 'pytorch-converted']) {
  for (const name of readdirSync(join(root, folder)).sort()) {
    const dir = join(root, folder, name);
    if (!existsSync(join(dir, 'model.onnx'))) continue;
    let model;
    try { model = decodeModel(readFileSync(join(dir, 'model.onnx')), { baseDir: dir }); } catch { stats.undecodable = (stats.undecodable ?? 0) + 1; continue; }
    const ds = join(dir, 'test_data_set_0');
    if (!existsSync(ds)) continue;
    const g = model.graph;
    const realInputs = g.inputs.filter((i) => !g.initializers.has(i.name));
    let ok = true;
    realInputs.forEach((inp, k) => {
      const f = join(ds, `input_${k}.pb`);
      if (!existsSync(f) || inp.type?.kind !== 'tensor') { return; }
      try { const p: any = T.decode(readFileSync(f)); inp.type.shape = (p.dims ?? []).map(Number);
        if (process.env.CONST_INPUTS) { const td = tensorFromProto(p, { what: 'x' }); g.initializers.set(inp.name, { ...td, name: inp.name }); g.inputs = g.inputs.filter(i => i !== inp); }
      } catch { ok = false; }
    });
    const expected = g.outputs.map((o, k) => {
      const f = join(ds, `output_${k}.pb`);
      if (!existsSync(f)) return undefined;
      try { const p: any = T.decode(readFileSync(f)); if (!p.data_type) return undefined; return { type: typeName(p.data_type), dims: (p.dims ?? []).map(Number) }; } catch { return undefined; }
    });
    const declared = g.outputs.map(o => o.type);
    for (const o of g.outputs) o.type = undefined;
    const id = `${folder}/${name}`;
    let types;
    try { types = inferShapes(model, { strict: true }); } catch (e) {
      if (e instanceof ShapeInferenceError) report.threw.push(`${id}: ${e.message}`); else report.crashed.push(`${id}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
      continue;
    }
    let status = 'match';
    g.outputs.forEach((o, k) => {
      const e = expected[k];
      if (!e) return;
      const t = types.get(o.name);
      if (!t || t.kind !== 'tensor' || !t.shape || t.shape.some(d => typeof d !== 'number')) { if (status === 'match') status = 'unknown'; if (status === 'unknown') report.unknown.push(`${id} ${o.name} ${g.nodes.map(n=>n.opType).join(',').slice(0,80)} -> ${JSON.stringify(t)}`); return; }
      if (t.elemType !== e.type || JSON.stringify(t.shape) !== JSON.stringify(e.dims)) { status = 'mismatch'; report.mismatch.push(`${id} ${o.name}: inferred ${t.elemType}${JSON.stringify(t.shape)} expected ${e.type}${JSON.stringify(e.dims)} ops=${[...new Set(g.nodes.map(n=>n.opType))].join(',')}`); }
    });
    stats[status] = (stats[status] ?? 0) + 1;
  }
}
console.log(stats, Object.fromEntries(Object.entries(report).map(([k, v]) => [k, v.length])));
for (const k of ['threw', 'crashed', 'mismatch']) { console.log('==', k); for (const l of report[k]) console.log(l); }
console.log('== unknown'); for (const l of report.unknown) console.log(l);
