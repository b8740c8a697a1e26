// `onnxfleet demo`: the main job end to end on this machine. Starts a local cluster (nats-server, a coordinator,
// two workers), pushes the demo classifier, waits for the coordinator to place it, runs online requests and a
// batch job through the cluster, checks a sample against the engine run in-process, and prints results,
// latency and throughput. Then one traced request: every process exports its spans over OTLP to a collector
// in this process, which prints the trace as a tree and writes it as Chrome trace JSON (the online requests and
// the batch job run untraced). Everything stops at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { SpanKind, trace } from '@opentelemetry/api';
import { Command } from 'commander';
import { connect, type FleetClient } from '../../client/index.js';
import {
  buildDemoClassifier,
  DEMO_CLASSIFIER,
  InferenceSession,
  mulberry32,
  Tensor,
} from '../../engine/index.js';
import { withTelemetry } from '../../observability/index.js';
import { positiveInt } from '../arguments.js';
import { formatMs, median } from '../format.js';
import {
  chromeTrace,
  type CollectedSpan,
  formatSpanTree,
  isNodeSpan,
  startTraceCollector,
  type TraceCollector,
} from '../local/trace-collector.js';
import { startLocalCluster } from './up.js';

interface DemoFlags {
  workers: number;
  requests: number;
  concurrency: number;
  batchItems: number;
  /** False with --no-trace. */
  trace: boolean;
  traceFile: string;
}

const MODEL = 'demo_classifier';

function image(seed: number): Tensor {
  const random = mulberry32(seed);
  return new Tensor(
    'float32',
    Float32Array.from({ length: 3 * 32 * 32 }, () => random() * 2 - 1),
    [1, 3, 32, 32],
  );
}

function top(probabilities: Tensor): string {
  const p = probabilities.data as Float32Array;
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return `class ${best} (p=${p[best].toFixed(3)})`;
}

async function waitForPlacement(client: FleetClient): Promise<number> {
  const start = performance.now();
  for (;;) {
    try {
      await client.infer(MODEL, { [DEMO_CLASSIFIER.input]: image(0) }, { timeoutMs: 2000 });
      return performance.now() - start;
    } catch (e) {
      if (performance.now() - start > 60_000)
        throw new Error(`the model was not served within 60 s: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const ROOT_SPAN = 'demo request';
const TRACE_WAIT_MS = 15_000;

/**
 * Starts the collector and points every process the demo starts at it (they inherit the environment). They
 * sample only what their parent sampled and no span of their own (parentbased_always_off): until the traced
 * request, this process has no telemetry set up and sends no trace context, so the online requests and the
 * batch job are not traced at all (no per-node timing on the workers, nothing exported).
 */
async function startCollector(): Promise<TraceCollector> {
  const collector = await startTraceCollector();
  // Whatever OTEL_* the shell has, the demo's trace goes to its own collector, each process under its own name.
  for (const name of [
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    'OTEL_SERVICE_NAME',
    'OTEL_TRACES_SAMPLER_ARG',
  ])
    delete process.env[name];
  Object.assign(process.env, {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_TRACES_SAMPLER: 'parentbased_always_off',
  });
  return collector;
}

/** The trace is all there: the root, the client span, every span's parent, and every node of each run. */
function traceComplete(spans: CollectedSpan[]): boolean {
  const ids = new Set(spans.map((s) => s.spanId));
  const runs = spans.filter((s) => s.name === 'session.run');
  return (
    spans.some((s) => s.name === ROOT_SPAN && !s.parentSpanId) &&
    spans.some((s) => s.name === 'onnxfleet.infer') &&
    runs.length > 0 &&
    spans.every((s) => !s.parentSpanId || ids.has(s.parentSpanId)) &&
    runs.every(
      (r) =>
        spans.filter((s) => s.parentSpanId === r.spanId && isNodeSpan(s)).length >=
        Number(r.attributes['onnxfleet.nodes_executed'] ?? Infinity),
    )
  );
}

/**
 * One request in a sampled trace: this process sets up its telemetry now, sampling its root spans
 * (parentbased_always_on, this process only: the others were started with always_off), sends the request
 * under a `demo request` root span and flushes its spans; then the trace, as it arrives from every process,
 * is printed as a tree and written as Chrome trace JSON.
 */
async function traceRequest(client: FleetClient, collector: TraceCollector, file: string): Promise<void> {
  process.env.OTEL_TRACES_SAMPLER = 'parentbased_always_on';
  const { traceId, reply, ms } = await withTelemetry(
    { serviceName: 'onnxfleet-client', metricsPort: 0 },
    () =>
      trace
        .getTracer('onnxfleet-demo')
        .startActiveSpan(ROOT_SPAN, { kind: SpanKind.INTERNAL }, async (span) => {
          try {
            if (!span.isRecording()) throw new Error('the traced request was not sampled');
            const t0 = performance.now();
            const reply = await client.inferWithInfo(MODEL, { [DEMO_CLASSIFIER.input]: image(7) });
            return { traceId: span.spanContext().traceId, reply, ms: performance.now() - t0 };
          } finally {
            span.end();
          }
        }),
  ); // flushed: this process's spans are at the collector
  console.log(
    `request 7: ${top(reply.outputs[DEMO_CLASSIFIER.output])} from worker ${reply.info.workerId} in ${formatMs(ms)}`,
  );
  const spans = await collector.waitFor(traceId, traceComplete, TRACE_WAIT_MS);
  const processes = new Set(spans.map((s) => `${s.service}|${s.pid}`));
  const nodes = spans.filter(isNodeSpan).length;
  console.log(
    `trace ${traceId}: ${spans.length} spans from ${processes.size} processes, ${nodes} of them graph nodes`,
  );
  for (const line of formatSpanTree(spans)) console.log(`  ${line}`);
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(chromeTrace(spans))}\n`);
  const shown = relative(process.cwd(), path);
  console.log(
    `wrote ${shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : path}: Chrome trace JSON, a track per process; open it in https://ui.perfetto.dev or chrome://tracing`,
  );
  if (!traceComplete(spans))
    throw new Error(`the trace was not complete ${TRACE_WAIT_MS / 1000} s after the request`);
}

async function demo(flags: DemoFlags): Promise<void> {
  const step = (s: string) => console.log(`\n== ${s}`);
  // OTEL_SDK_DISABLED=true turns the demo's trace off like everything else's.
  const collector =
    flags.trace && process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true'
      ? await startCollector()
      : undefined;
  try {
    await run(flags, step, collector);
  } finally {
    await collector?.close(); // after the cluster stopped: the workers flush on exit
  }
}

async function run(
  flags: DemoFlags,
  step: (s: string) => void,
  collector: TraceCollector | undefined,
): Promise<void> {
  step(`starting a local cluster: nats-server (JetStream), a coordinator, ${flags.workers} workers`);
  const cluster = await startLocalCluster({ workers: flags.workers, port: -1 });
  console.log(`NATS at ${cluster.url}`);
  const client = await connect({ servers: cluster.url });
  const bytes = buildDemoClassifier({ seed: 42 }).toBytes();
  const reference = await InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    step('pushing the demo classifier (Conv-Relu-MaxPool-Conv-Relu-GAP-Gemm-Softmax, seeded weights)');
    const ref = await client.pushModel(bytes, { name: MODEL });
    console.log(
      `pushed ${ref.name} v${ref.version}, ${ref.size} bytes, sha256 ${ref.sha256.slice(0, 16)}...`,
    );
    const placedMs = await waitForPlacement(client);
    console.log(`placed by the coordinator and serving after ${formatMs(placedMs)}`);

    step(`online inference: ${flags.requests} requests, ${flags.concurrency} at a time`);
    const latencies: number[] = [];
    const batchSizes: number[] = [];
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: flags.concurrency }, async () => {
        while (next < flags.requests) {
          const i = next++;
          const t0 = performance.now();
          const r = await client.inferWithInfo(MODEL, { [DEMO_CLASSIFIER.input]: image(i) });
          latencies.push(performance.now() - t0);
          batchSizes.push(r.info.batchSize);
          if (i < 3)
            console.log(
              `request ${i}: ${top(r.outputs[DEMO_CLASSIFIER.output])} from worker ${r.info.workerId}`,
            );
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(
      `${flags.requests} requests in ${seconds.toFixed(2)} s: ${(flags.requests / seconds).toFixed(0)} req/s, ` +
        `p50 ${formatMs(median(latencies))}, p99 ${formatMs(latencies[Math.floor(latencies.length * 0.99)])}, ` +
        `mean batch ${(batchSizes.reduce((a, b) => a + b, 0) / batchSizes.length).toFixed(2)}`,
    );

    step(`batch job: ${flags.batchItems} images, sharded into durable jobs by the coordinator`);
    const items = (function* () {
      for (let i = 0; i < flags.batchItems; i++) yield { [DEMO_CLASSIFIER.input]: image(100_000 + i) };
    })();
    const batchStart = performance.now();
    const id = await client.submitBatch(MODEL, items);
    let lastShown = 0;
    const status = await client.watchBatch(id, {
      timeoutMs: 600_000,
      onProgress: (s) => {
        if (performance.now() - lastShown < 500 && s.done + s.failed < s.total) return;
        lastShown = performance.now();
        console.log(
          `  ${s.done + s.failed}/${s.total} done, ${s.rate.toFixed(0)} items/s${s.etaMs ? `, ETA ${(s.etaMs / 1000).toFixed(1)} s` : ''}`,
        );
      },
    });
    const batchSeconds = (performance.now() - batchStart) / 1000;
    console.log(
      `batch ${id}: ${status.state}, ${status.done} done, ${status.failed} failed in ${batchSeconds.toFixed(2)} s (${(status.total / batchSeconds).toFixed(0)} items/s)`,
    );
    let checked = 0;
    let worst = 0;
    for await (const item of client.batchResults(id)) {
      if (item.index % Math.max(1, Math.floor(flags.batchItems / 20)) !== 0) continue;
      const want = (await reference.run({ [DEMO_CLASSIFIER.input]: image(100_000 + item.index) }))[
        DEMO_CLASSIFIER.output
      ] as Tensor;
      const got = item.outputs![DEMO_CLASSIFIER.output];
      const a = got.data as Float32Array;
      const b = want.data as Float32Array;
      for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
      if (checked++ < 3) console.log(`item ${item.index}: ${top(got)}`);
    }
    console.log(
      `checked ${checked} items against the engine in-process: max |difference| ${worst.toExponential(2)}`,
    );
    if (worst > 1e-5) throw new Error('cluster results differ from the in-process engine');

    step('one traced request: the spans of every process it went through, collected over OTLP/HTTP');
    if (collector) await traceRequest(client, collector, flags.traceFile);
    else console.log('skipped (--no-trace or OTEL_SDK_DISABLED=true)');

    step('cluster status');
    const workers = await client.workers();
    for (const w of workers) console.log(`worker ${w.workerId}: models ${w.models.join(', ') || '-'}`);
  } finally {
    await reference.release();
    await client.close();
    step('stopping the cluster');
    await cluster.stop();
    console.log('done');
  }
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'start a local cluster, serve the demo model, run online requests and a batch job through it',
    )
    .option('--workers <n>', 'worker processes', positiveInt, 2)
    .option('--requests <n>', 'online requests', positiveInt, 400)
    .option('--concurrency <n>', 'online requests in flight at once', positiveInt, 8)
    .option('--batch-items <n>', 'items in the batch job', positiveInt, 2000)
    .option(
      '--trace-file <file>',
      'where the traced request goes (Chrome trace JSON)',
      '.cache/demo_trace.json',
    )
    .option('--no-trace', 'skip the traced request (no collector; telemetry as the environment says)')
    .action(demo);
}
