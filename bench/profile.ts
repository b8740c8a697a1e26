// Where our engine's time goes on one benchmark model, with the benchmark's inputs: per op type and the
// slowest nodes, medians over the timed runs (native per-node timings, as `--profile` of the CLI).
//   npx tsx bench/profile.ts MODEL [--batch 1] [--threads 2] [--repeat 20] [--top 15] [--disable pass,pass]
import { parseArgs } from 'node:util';
import { InferenceSession, Tensor } from '../engine/index.js';
import { findModel, makeInputs } from '../test/helpers/models.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batch: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '20' },
    top: { type: 'string', default: '15' },
    disable: { type: 'string', default: '' },
  },
});
const name = positionals[0];
if (!name) {
  console.error('usage: npx tsx bench/profile.ts MODEL [--batch 1] [--threads 2] [--repeat 20] [--top 15]');
  process.exit(2);
}
const [batch, threads, repeat, top] = [values.batch, values.threads, values.repeat, values.top].map(Number);
const model = findModel(name);
const session = await InferenceSession.create(model.path, {
  intraOpNumThreads: threads,
  disabledOptimizers: values.disable ? values.disable.split(',') : [],
});
const feeds = Object.fromEntries(
  Object.entries(makeInputs(model, batch)).map(([k, v]) => [k, new Tensor(v.type, v.data, v.dims)]),
);
for (let i = 0; i < 3; i++) await session.run(feeds);

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
const wall: number[] = [];
const perNode = new Map<number, { name: string; op: string; us: number[] }>();
for (let i = 0; i < repeat; i++) {
  const t0 = performance.now();
  await session.run(feeds, { profile: true });
  wall.push(performance.now() - t0);
  for (const n of session.lastRunProfile?.nodes ?? []) {
    const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    const e = perNode.get(n.index) ?? { name: n.name, op, us: [] };
    e.us.push((n.endNs - n.startNs) / 1e3);
    perNode.set(n.index, e);
  }
}
const nodes = [...perNode.values()].map((e) => ({ ...e, med: median(e.us) }));
const byOp = new Map<string, { n: number; us: number }>();
for (const e of nodes) {
  const o = byOp.get(e.op) ?? { n: 0, us: 0 };
  byOp.set(e.op, { n: o.n + 1, us: o.us + e.med });
}
const total = nodes.reduce((a, e) => a + e.med, 0);
console.log(
  `${name} batch ${batch}, ${threads} threads: run median ${median(wall).toFixed(2)} ms, ` +
    `sum of node medians ${(total / 1e3).toFixed(2)} ms`,
);
for (const [op, o] of [...byOp].sort((a, b) => b[1].us - a[1].us))
  console.log(
    `  ${op.padEnd(40)} ${String(o.n).padStart(4)} ${(o.us / 1e3).toFixed(3).padStart(8)} ms ` +
      `${((100 * o.us) / total).toFixed(1).padStart(5)}%`,
  );
console.log(`slowest ${top} nodes:`);
for (const e of nodes.sort((a, b) => b.med - a.med).slice(0, top))
  console.log(`  ${e.med.toFixed(1).padStart(8)} us  ${e.op.padEnd(32)} ${e.name}`);
await session.release();
