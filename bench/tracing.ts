// Tracing overhead (issue 7: per-node spans <= 5% latency, tracing off <= 1%): one model, one session, runs
// that alternate between
//   plain     session.run(feeds)
//   off       tracedRun with no SDK installed (the global no-op tracer): what every run costs when nobody traces
//   unsampled tracedRun with an SDK whose sampler drops the trace
//   spans     tracedRun sampled: native per-node timing, a session.run span and one span per node, exported by
//             a BatchSpanProcessor to an in-memory exporter
// Run: npx tsx bench/tracing.ts [--model resnet18] [--threads 2] [--batch 1] [--repeat 200] [--warmup 10]
// Not part of CI. Progress goes to stderr, the report (Markdown) to stdout.
import { parseArgs } from 'node:util';
import { context, trace, type Tracer } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { InferenceSession, Tensor } from '../engine/index.js';
import { bindDims, emitNodeSpans, tracedRun } from '../observability/index.js';
import { findModel, makeInputs, modelsUnavailable } from '../test/helpers/models.js';
import { machineLines } from './machine.js';
import { fmt, markdownTable, median } from './table.js';

const MODES = ['plain', 'off', 'unsampled', 'spans'] as const;
type Mode = (typeof MODES)[number];

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'resnet18' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
  },
});
const [threads, batch, repeat, warmup] = [values.threads, values.batch, values.repeat, values.warmup].map(
  Number,
);

const unavailable = modelsUnavailable();
if (unavailable) {
  process.stderr.write(`${unavailable}\n`);
  process.exit(1);
}
const model = findModel(values.model!);
const session = await InferenceSession.create(model.path, { intraOpNumThreads: threads });
const feeds = Object.fromEntries(
  Object.entries(makeInputs(model, batch)).map(([name, s]) => [name, new Tensor(s.type, s.data, s.dims)]),
);

const exporter = new InMemorySpanExporter();
const sampled = new BasicTracerProvider({
  sampler: new AlwaysOnSampler(),
  spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 65536, maxExportBatchSize: 512 })],
});
const dropped = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
const tracers: Record<Exclude<Mode, 'plain'>, Tracer> = {
  off: trace.getTracer('bench'), // nothing registered: the API's no-op
  unsampled: dropped.getTracer('bench'),
  spans: sampled.getTracer('bench'),
};

/** One run of a mode; the request span it hangs under is made outside the timed part. */
async function timed(mode: Mode): Promise<number> {
  if (mode === 'plain') {
    const t0 = performance.now();
    await session.run(feeds);
    return performance.now() - t0;
  }
  const tracer = tracers[mode];
  const request = tracer.startSpan('request');
  const parentContext = trace.setSpan(context.active(), request);
  const t0 = performance.now();
  await tracedRun(session, feeds, { tracer, parentContext });
  const ms = performance.now() - t0;
  request.end();
  return ms;
}

const ms: Record<Mode, number[]> = { plain: [], off: [], unsampled: [], spans: [] };
process.stderr.write(`${model.name}: ${warmup} warm-up and ${repeat} timed rounds of ${MODES.join(', ')}\n`);
for (let i = 0; i < warmup + repeat; i++) {
  // Rotate who goes first so that a slow moment of the machine hits every mode alike.
  const order = MODES.map((_, k) => MODES[(i + k) % MODES.length]);
  for (const mode of order) {
    const t = await timed(mode);
    if (i >= warmup) ms[mode].push(t);
  }
  if (i % 50 === 49) {
    await sampled.forceFlush();
    exporter.reset();
    process.stderr.write(`  ${i + 1} rounds\n`);
  }
}
await sampled.forceFlush();
exporter.reset();

// The JS part of 'spans' alone, free of run-to-run noise: building one run's node spans from its profile.
await session.run(feeds, { profile: true });
const profile = session.lastRunProfile!;
const spanTracer = tracers.spans;
const root = spanTracer.startSpan('request');
const parent = trace.setSpan(context.active(), root);
const BUILDS = 500;
const t0 = performance.now();
for (let i = 0; i < BUILDS; i++) {
  const dims = bindDims(session.inputMetadata, feeds);
  emitNodeSpans(spanTracer, parent, { nodes: session.planNodes, profile, provider: session.provider, dims });
}
const buildUs = ((performance.now() - t0) / BUILDS) * 1e3;
root.end();
await sampled.forceFlush();
const spansPerRun = session.planNodes.length + 2; // request + session.run + one per node

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const base = median(ms.plain);
const rows = MODES.map((mode) => {
  const m = median(ms[mode]);
  return [mode, fmt(m, 3), fmt(mean(ms[mode]), 3), fmt(m / base, 4), fmt((m / base - 1) * 100, 2)];
});
const out = [
  ...machineLines(),
  `command: npx tsx bench/tracing.ts --model ${model.name} --threads ${threads} --batch ${batch} --repeat ${repeat} --warmup ${warmup}`,
  `${model.name}, batch ${batch}, ${threads} intra-op threads, ${session.planNodes.length} plan nodes ` +
    `(${spansPerRun} spans per traced request); ${repeat} interleaved rounds after ${warmup} warm-up`,
  '',
  markdownTable(['mode', 'median ms', 'mean ms', 'median / plain', 'overhead %'], rows),
  '',
  `building the ${session.planNodes.length} node spans of one run (emitNodeSpans, mean of ${BUILDS}): ` +
    `${fmt(buildUs, 1)} us = ${fmt((buildUs / 1e3 / base) * 100, 2)}% of the plain median`,
  '',
];
process.stdout.write(out.join('\n'));
await session.release();
await sampled.shutdown();
