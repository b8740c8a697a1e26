// enableProfiling: per-node timings per run and a Chrome trace with one complete event per executed node.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { buildDemoClassifier, InferenceSession, summarizeByOpType, Tensor } from '../../engine/index.js';

test('profiling records every executed node and writes a valid Chrome trace', async (t) => {
  const prefix = join(tmpdir(), `onnxfleet-profile-${process.pid}`);
  const s = await InferenceSession.create(buildDemoClassifier().toBytes(), {
    enableProfiling: true,
    profileFilePrefix: prefix,
    graphOptimizationLevel: 'basic', // at extended the Conv and its Relu become one FusedConv
  });
  const x = new Tensor('float32', new Float32Array(2 * 3 * 32 * 32).fill(0.5), [2, 3, 32, 32]);
  await s.run({ images: x });
  await s.run({ images: x });
  const nodes = s.planNodes;
  t.is(s.profiledRuns.length, 2);
  for (const run of s.profiledRuns) {
    t.deepEqual(
      run.nodes.map((n) => n.name),
      nodes.map((n) => n.name),
      'one timing per plan node, in execution order',
    );
    for (let i = 0; i < run.nodes.length; i++) {
      t.true(run.nodes[i].endNs >= run.nodes[i].startNs);
      if (i) t.true(run.nodes[i].startNs >= run.nodes[i - 1].endNs, 'nodes run one after another');
    }
  }
  const summary = summarizeByOpType(s.profiledRuns);
  t.deepEqual(summary.find((r) => r.opType === 'Conv')?.calls, 2);

  const path = s.endProfiling();
  const trace = JSON.parse(readFileSync(path, 'utf8'));
  rmSync(path);
  t.is(trace.traceEvents.length, 2 * nodes.length);
  for (const e of trace.traceEvents) {
    t.is(e.ph, 'X');
    t.true(Number.isFinite(e.ts) && e.dur >= 0);
    t.true(nodes.some((n) => n.name === e.name && n.opType === e.args.op_name));
  }
  t.is(s.profiledRuns.length, 0, 'endProfiling starts a new recording');
});
