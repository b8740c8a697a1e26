import * as ort from 'onnxruntime-node';
import { InferenceSession, Tensor } from './engine/index.js';
import { findModel, makeInputs } from './test/helpers/models.js';
const m = findModel('bert_small');
const ours = await InferenceSession.create(m.path, { intraOpNumThreads: 2 });
const ref = await ort.InferenceSession.create(m.path, { intraOpNumThreads: 2 });
for (const batch of (process.argv[2] ?? '4,2,4,1').split(',').map(Number)) {
  const inp = makeInputs(m, batch);
  const f1 = Object.fromEntries(Object.entries(inp).map(([k, v]) => [k, new Tensor(v.type, v.data.slice(), v.dims)]));
  const f2 = Object.fromEntries(Object.entries(inp).map(([k, v]) => [k, new ort.Tensor(v.type, v.data.slice(), v.dims)]));
  let a: Float32Array;
  try { a = (await ours.run(f1)).last_hidden_state!.data as Float32Array; } catch (e) { console.log('batch', batch, 'ERR', (e as Error).message.slice(0, 300)); continue; }
  const b = (await ref.run(f2)).last_hidden_state!.data as Float32Array;
  const per = 128 * 512; const rows = [];
  for (let r = 0; r < batch; r++) { let mx = 0; for (let i = r * per; i < (r + 1) * per; i++) mx = Math.max(mx, Math.abs(a[i] - b[i])); rows.push(mx.toExponential(1)); }
  console.log('batch', batch, 'per-row max diff', rows.join(' '));
}
