// One request's trace across the cluster: this test process is a traced client (setupTelemetry with
// OTEL_EXPORTER_OTLP_ENDPOINT pointing at a real OTLP/HTTP receiver in the test), the workers are real
// `onnxfleet worker` processes exporting to the same receiver, and NATS is a real nats-server. It checks the
// chain client span -> worker `infer` -> `session.run` -> one span per executed node (against an in-process
// session's plan), batched runs linking to every request they served, errors, the stage hops of a model
// split in two by a real coordinator, and the worker's Prometheus endpoint.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import test, { type ExecutionContext } from 'ava';
import { BadInputError, type FleetClient } from '../../client/index.js';
import { fetchModel, resolveModel } from '../../client/models.js';
import { currentPlacements } from '../../coordinator/cluster-view.js';
import { InferenceSession, type PlanNodeInfo, Tensor } from '../../engine/index.js';
import { METRIC, setupTelemetry, type Telemetry } from '../../observability/index.js';
import { natsServerAvailable } from '../helpers/nats-server.js';
import { startCoordinator, startWorker, type WorkerProcess } from '../helpers/worker-process.js';
import { Cluster, demoInput, MODEL, maxAbsDiff } from '../e2e/cluster.js';
import { freePort } from './free-port.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';

const missing = natsServerAvailable();
const it = missing ? test.skip : test.serial;
if (missing) test(`cluster trace tests skipped: ${missing}`, (t) => t.pass());

const KIND = { internal: 1, server: 2, client: 3, consumer: 5 };
const STATUS_ERROR = 2;

let receiver: OtlpReceiver;
let telemetry: Telemetry;
let cluster: Cluster;
let worker: WorkerProcess;
let metricsPort: number;
const extra: WorkerProcess[] = [];
const tracer = trace.getTracer('onnxfleet-test');

/** OTEL_* settings of every traced process here: export to the receiver, in small batches, quickly. */
function otelEnv(): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    ONNXFLEET_METRICS_PORT: '',
  };
}

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The spans of one trace, once `done` says every expected span has arrived. */
function traceSpans(traceId: string, done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  return until(`the spans of trace ${traceId}`, async () => {
    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    return done(spans) ? spans : undefined;
  });
}

/** Runs `fn` under a root span of this test process; returns its result and the root's trace and span ids. */
async function underRoot<T>(name: string, fn: () => Promise<T>) {
  return tracer.startActiveSpan(name, async (root) => {
    try {
      const result = await fn();
      return { result, traceId: root.spanContext().traceId, rootId: root.spanContext().spanId };
    } finally {
      root.end();
    }
  });
}

const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan, name?: string) =>
  spans.filter((s) => s.parentSpanId === parent.spanId && (name === undefined || s.name === name));

function one(t: ExecutionContext, spans: ReceivedSpan[], what: string): ReceivedSpan {
  t.is(spans.length, 1, `exactly one ${what}`);
  return spans[0];
}

/** The node spans under a `session.run` span match the plan: one per node, op types in plan order. */
function checkNodeSpans(
  t: ExecutionContext,
  spans: ReceivedSpan[],
  run: ReceivedSpan,
  plan: readonly PlanNodeInfo[],
) {
  const nodes = childrenOf(spans, run).sort(
    (a, b) => Number(a.attributes['onnx.node.index']) - Number(b.attributes['onnx.node.index']),
  );
  t.is(run.attributes['onnxfleet.nodes_executed'], plan.length);
  t.is(nodes.length, plan.length, 'one span per executed node');
  t.deepEqual(
    nodes.map((s) => [s.name, s.attributes['onnx.node.op_type'], s.attributes['onnx.node.name']]),
    plan.map((n) => [n.opType, n.opType, n.name]),
    'node spans are the plan nodes, with their op types, in plan order',
  );
  for (const s of nodes) {
    t.is(s.kind, KIND.internal);
    t.true(s.startNs >= run.startNs && s.endNs <= run.endNs, `${s.name} lies inside session.run`);
  }
}

test.before(async () => {
  if (missing) return;
  receiver = await startOtlpReceiver();
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];
  Object.assign(process.env, otelEnv());
  telemetry = await setupTelemetry({ serviceName: 'onnxfleet-test-client' });
  cluster = await Cluster.start();
  metricsPort = await freePort();
  worker = await startWorker(
    cluster.server.url,
    [
      '--models',
      MODEL,
      '--no-placement',
      '--threads',
      '1',
      '--max-batch',
      '8',
      '--batch-window-ms',
      '100',
      '--cache-dir',
      join(cluster.dir, 'cache-traced'),
      '--metrics-port',
      String(metricsPort),
    ],
    { env: otelEnv() },
  );
  cluster.workers.push(worker);
});

test.after.always(async () => {
  await Promise.all(extra.map((w) => w.kill().catch(() => undefined)));
  await cluster?.stop();
  await telemetry?.shutdown();
  await receiver?.close();
});

it('a request is one trace: client span -> worker infer -> session.run -> one span per node', async (t) => {
  t.true(telemetry.tracing);
  const feeds = demoInput(21);
  const { result, traceId, rootId } = await underRoot('test.request', () =>
    cluster.client.inferWithInfo(MODEL, feeds, { timeoutMs: 30_000 }),
  );
  const want = (await cluster.reference.run(feeds)).probabilities as Tensor;
  t.true(maxAbsDiff(result.outputs.probabilities, want) < 1e-6);

  const plan = cluster.reference.planNodes;
  const spans = await traceSpans(
    traceId,
    (s) => s.some((x) => x.name === 'infer') && s.length >= 4 + plan.length,
  );
  t.deepEqual(receiver.errors, []);
  t.deepEqual([...new Set(spans.map((s) => s.traceId))], [traceId], 'one trace id');

  const root = one(
    t,
    spans.filter((s) => s.spanId === rootId),
    'root span',
  );
  const client = one(t, childrenOf(spans, root, 'onnxfleet.infer'), 'client span');
  t.is(client.kind, KIND.client);
  t.is(client.resource['service.name'], 'onnxfleet-test-client');

  const infer = one(t, childrenOf(spans, client, 'infer'), 'worker infer span');
  t.is(infer.kind, KIND.server);
  t.is(infer.resource['service.name'], 'onnxfleet-worker');
  t.is(infer.attributes['onnxfleet.model'], MODEL);
  t.is(infer.attributes['onnxfleet.model.version'], '1');
  t.is(infer.attributes['onnxfleet.worker_id'], worker.id);
  t.is(infer.attributes['onnxfleet.request_id'], client.attributes['onnxfleet.request_id']);
  t.is(infer.attributes['onnxfleet.batch.size'], 1);
  t.not(infer.status.code, STATUS_ERROR);

  const run = one(t, childrenOf(spans, infer, 'session.run'), 'session.run span');
  t.is(infer.attributes['onnxfleet.batch.span_id'], run.spanId, 'the request names the run that served it');
  t.is(run.attributes['onnxfleet.provider'], 'cpu');
  t.true(run.startNs >= infer.startNs && run.endNs <= infer.endNs);
  checkNodeSpans(t, spans, run, plan);
});

it('a batched run links to every request span it served', async (t) => {
  const { result: replies, traceId } = await underRoot('test.batch', () =>
    Promise.all(
      [31, 32, 33, 34].map((seed) =>
        cluster.client.inferWithInfo(MODEL, demoInput(seed), { timeoutMs: 30_000 }),
      ),
    ),
  );
  t.true(
    replies.every((r) => r.info.batchSize > 1),
    `batched: ${replies.map((r) => r.info.batchSize)}`,
  );
  const spans = await traceSpans(traceId, (s) => {
    const runs = s.filter((x) => x.name === 'session.run');
    const served = runs.reduce((n, r) => n + Number(r.attributes['onnxfleet.batch.size']), 0);
    return s.filter((x) => x.name === 'infer').length === 4 && served === 4;
  });
  const infers = spans.filter((s) => s.name === 'infer');
  const runs = spans.filter((s) => s.name === 'session.run');
  for (const run of runs) {
    const size = Number(run.attributes['onnxfleet.batch.size']);
    const served = infers.filter((i) => i.attributes['onnxfleet.batch.span_id'] === run.spanId);
    t.is(served.length, size, 'every request of the batch names this run');
    t.true(
      served.some((i) => i.spanId === run.parentSpanId),
      'the run is the child of one request it served',
    );
    t.deepEqual(
      run.links.map((l) => l.spanId).sort(),
      served.map((i) => i.spanId).sort(),
      'the run links to every request span it served',
    );
    for (const i of served) {
      t.true(i.events.some((e) => e.name === 'batched' && e.attributes['onnxfleet.batch.size'] === size));
    }
    checkNodeSpans(t, spans, run, cluster.reference.planNodes);
  }
});

it('a failed request ends its worker span with status ERROR and the error code', async (t) => {
  const bad = { images: new Tensor('float32', new Float32Array(3 * 8 * 8), [1, 3, 8, 8]) };
  const { traceId } = await underRoot('test.bad', async () => {
    await t.throwsAsync(cluster.client.infer(MODEL, bad, { timeoutMs: 30_000 }), {
      instanceOf: BadInputError,
    });
  });
  const spans = await traceSpans(traceId, (s) => s.some((x) => x.name === 'infer'));
  const infer = spans.find((s) => s.name === 'infer')!;
  t.is(infer.status.code, STATUS_ERROR);
  t.regex(infer.status.message, /^BAD_INPUT: /);
  t.is(infer.attributes['error.type'], 'BAD_INPUT');
  t.false(
    spans.some((s) => s.name === 'session.run'),
    'nothing ran',
  );
});

/** Samples of a Prometheus text exposition. */
function parsePrometheus(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

it("the worker's metrics endpoint serves the fleet metrics in Prometheus text format", async (t) => {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /text\/plain/);
  const samples = parsePrometheus(await res.text());
  const get = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const sum = (name: string, labels?: Record<string, string>) =>
    get(name, labels).reduce((n, s) => n + s.value, 0);

  // Earlier tests: 1 + 4 good requests, 1 bad one.
  t.is(sum(METRIC.requests, { model: MODEL, status: 'ok' }), 5);
  t.is(sum(METRIC.requests, { model: MODEL, status: 'BAD_INPUT' }), 1);
  t.is(sum(`${METRIC.requestDuration}_count`, { model: MODEL, status: 'ok' }), 5);
  t.true(get(`${METRIC.requestDuration}_bucket`, { model: MODEL, status: 'ok', le: '+Inf' }).length === 1);
  t.is(sum(`${METRIC.batchSize}_sum`, { model: MODEL }), 5, 'batch sizes add up to the requests run');
  t.true(sum(`${METRIC.batchSize}_count`, { model: MODEL }) < 5, 'some runs served several requests');
  t.is(get(METRIC.queueDepth, { queue: 'engine' }).length, 1);
  t.is(sum(METRIC.queueDepth, { queue: 'engine' }), 0, 'nothing waits now');
  t.is(get(METRIC.poolUtilization, { pool: 'engine' }).length, 1);
  t.is(sum(`${METRIC.modelLoadDuration}_count`, { model: MODEL }), 1);
  t.true(sum(`${METRIC.modelLoadDuration}_sum`, { model: MODEL }) > 0);
  // Per-op-type time of the traced (profiled) runs: one series per op type of the plan.
  const opTypes = [...new Set(cluster.reference.planNodes.map((n) => n.opType))].sort();
  const series = get(METRIC.opTime, { model: MODEL, provider: 'cpu' });
  t.deepEqual(series.map((s) => s.labels.op_type).sort(), opTypes);
  t.true(series.every((s) => s.value > 0));
});

it('a durable job is traced: submit span -> worker job span -> session.run -> node spans', async (t) => {
  const feeds = demoInput(51);
  const {
    result: outcome,
    traceId,
    rootId,
  } = await underRoot('test.job', async () => {
    const id = await cluster.client.submitJob(MODEL, feeds);
    return cluster.client.watchJob(id, { timeoutMs: 60_000 });
  });
  t.is(outcome.state, 'SUCCEEDED');
  const plan = cluster.reference.planNodes;
  const spans = await traceSpans(
    traceId,
    (s) => s.some((x) => x.name === 'job') && s.length >= 4 + plan.length,
  );
  const root = one(
    t,
    spans.filter((s) => s.spanId === rootId),
    'root span',
  );
  const submit = one(t, childrenOf(spans, root, 'onnxfleet.job.submit'), 'submit span');
  const job = one(t, childrenOf(spans, submit, 'job'), 'worker job span');
  t.is(job.kind, KIND.consumer);
  t.is(job.resource['service.name'], 'onnxfleet-worker');
  t.is(job.attributes['onnxfleet.job_id'], outcome.jobId);
  t.is(job.attributes['onnxfleet.job.attempt'], 1);
  t.not(job.status.code, STATUS_ERROR);
  checkNodeSpans(t, spans, one(t, childrenOf(spans, job, 'session.run'), 'session.run span'), plan);
});

it('a model split in 2 stages: the stage hops are in the same trace', async (t) => {
  const prefix = 'traced';
  const env = otelEnv();
  const coordinator = await startCoordinator(
    cluster.server.url,
    ['--prefix', prefix, '--interval-ms', '300', '--cache-dir', join(cluster.dir, 'coord-traced')],
    { env },
  );
  extra.push(coordinator);
  for (let i = 0; i < 2; i++) {
    extra.push(
      await startWorker(
        cluster.server.url,
        ['--prefix', prefix, '--no-jobs', '--cache-dir', join(cluster.dir, `cache-stage-${i}`)],
        { env },
      ),
    );
  }
  const client: FleetClient = await cluster.connect({ prefix });
  await client.pushModel(cluster.modelPath, { name: MODEL, version: '1', stages: 2 });
  const placed = await until('demo split in 2 stages and placed', async () => {
    const p = (await currentPlacements(client.connection)).get(MODEL);
    return p && p.stages.length === 2 && p.stages.every((s) => s.workers.length) ? p : undefined;
  });

  // Each attempt is its own trace (the stages may still be loading); keep the one that answered.
  const feeds = demoInput(41);
  const answered = await until('the pipeline answers', () =>
    underRoot('test.pipeline', () => client.infer(MODEL, feeds, { timeoutMs: 10_000 })).catch(
      () => undefined,
    ),
  );
  const want = (await cluster.reference.run(feeds)).probabilities as Tensor;
  t.true(maxAbsDiff(answered.result.probabilities, want) < 1e-6);

  // The plans of the two stage models, as the workers run them.
  const dir = mkdtempSync(join(tmpdir(), 'onnxfleet-stages-'));
  const plans: PlanNodeInfo[][] = [];
  for (const s of placed.stages) {
    const path = await fetchModel(
      client.connection,
      await resolveModel(client.connection, s.modelName, s.version),
      dir,
    );
    const session = await InferenceSession.create(path, { intraOpNumThreads: 1 });
    plans.push([...session.planNodes]);
    await session.release();
  }

  const spans = await traceSpans(answered.traceId, (s) => {
    const runs = s.filter((x) => x.name === 'session.run');
    return runs.length === 2 && s.length >= 2 + 2 * 2 + plans[0].length + plans[1].length;
  });
  t.deepEqual([...new Set(spans.map((s) => s.traceId))], [answered.traceId], 'one trace id');
  const root = one(
    t,
    spans.filter((s) => s.spanId === answered.rootId),
    'root span',
  );
  const clientSpan = one(t, childrenOf(spans, root, 'onnxfleet.infer'), 'client span');
  const stage0 = one(t, childrenOf(spans, clientSpan, 'infer'), 'stage 0 span');
  const stage1 = one(t, childrenOf(spans, stage0, 'infer'), 'stage 1 span (child of stage 0)');
  const stages = [stage0, stage1];
  stages.forEach((s, i) => {
    t.is(s.kind, KIND.server);
    t.is(s.resource['service.name'], 'onnxfleet-worker');
    t.is(s.attributes['onnxfleet.stage.index'], i);
    t.is(s.attributes['onnxfleet.stage.count'], 2);
    t.is(s.attributes['onnxfleet.stage.model'], placed.stages[i].modelName);
    t.true(placed.stages[i].workers.includes(String(s.attributes['onnxfleet.worker_id'])));
    const run = one(t, childrenOf(spans, s, 'session.run'), `session.run of stage ${i}`);
    checkNodeSpans(t, spans, run, plans[i]);
  });
  t.true(stage1.startNs >= stage0.startNs, 'stage 1 starts after stage 0');
});
