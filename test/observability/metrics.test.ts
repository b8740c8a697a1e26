// The Prometheus endpoint: setupTelemetry with a metrics port serves every fleet instrument in the Prometheus
// text format; a scrape (fetch) reads back what was recorded, including per-op-type time of a real run.
import test from 'ava';
import { buildDemoClassifier, InferenceSession, Tensor } from '../../engine/index.js';
import {
  fleetMetrics,
  METRIC,
  metricsPortOf,
  setupTelemetry,
  telemetryErrorCount,
  tracesConfigured,
} from '../../observability/index.js';
import { freePort } from './free-port.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of a Prometheus text exposition (comments skipped). */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1], type[2]);
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types };
}

test('the metrics port and the trace switch come from options and the standard variables', (t) => {
  t.is(metricsPortOf(undefined, {}), 0);
  t.is(metricsPortOf(undefined, { ONNXFLEET_METRICS_PORT: '9464' }), 9464);
  t.is(metricsPortOf(9100, { ONNXFLEET_METRICS_PORT: '9464' }), 9100);
  t.is(metricsPortOf(0, { ONNXFLEET_METRICS_PORT: '9464' }), 0);
  t.throws(() => metricsPortOf(undefined, { ONNXFLEET_METRICS_PORT: 'http' }), { instanceOf: RangeError });
  t.throws(() => metricsPortOf(70000, {}), { instanceOf: RangeError });
  t.false(tracesConfigured({}));
  t.true(tracesConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }));
  t.true(tracesConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }));
  t.true(tracesConfigured({ OTEL_TRACES_EXPORTER: 'console' }));
  t.false(tracesConfigured({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }));
  t.false(tracesConfigured({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }));
});

test('the Prometheus endpoint serves every fleet instrument in text format', async (t) => {
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];
  const port = await freePort();
  const telemetry = await setupTelemetry({
    serviceName: 'metrics-test',
    metricsPort: port,
    metricsHost: '127.0.0.1',
  });
  t.teardown(() => telemetry.shutdown());
  t.false(telemetry.tracing);
  t.is(telemetry.metricsPort, port);

  const session = await InferenceSession.create(buildDemoClassifier().toBytes(), { intraOpNumThreads: 1 });
  const images = new Tensor('float32', new Float32Array(3 * 32 * 32).fill(0.25), [1, 3, 32, 32]);
  await session.run({ images }, { profile: true });
  const profile = session.lastRunProfile!;

  const m = fleetMetrics();
  m.recordRequest('demo', 'ok', 12.5);
  m.recordRequest('demo', 'ok', 40);
  m.recordRequest('demo', 'TIMEOUT', 900);
  m.recordBatch('demo', 4);
  m.recordBatch('demo', 1);
  m.setQueueDepth('demo', 3);
  m.recordRunProfile('demo', session.provider, profile);
  m.setPoolUtilization('cpu', 0.5);
  m.setArenaBytes('demo', 1 << 20);
  m.recordModelLoad('demo', 'cpu', 150);

  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^text\/plain/);
  const { samples, types } = parsePrometheus(await res.text());
  const one = (name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const value = (name: string, labels: Record<string, string>) => {
    const found = one(name, labels);
    t.is(found.length, 1, `${name} ${JSON.stringify(labels)}`);
    return found[0]?.value;
  };

  t.is(one('target_info', { service_name: 'metrics-test' }).length, 1, 'the resource names the service');
  t.is(types.get(METRIC.requests), 'counter');
  t.is(value(METRIC.requests, { model: 'demo', status: 'ok' }), 2);
  t.is(value(METRIC.requests, { model: 'demo', status: 'TIMEOUT' }), 1);

  t.is(types.get(METRIC.requestDuration), 'histogram');
  const ok = { model: 'demo', status: 'ok' };
  t.is(value(`${METRIC.requestDuration}_count`, ok), 2);
  t.true(Math.abs(value(`${METRIC.requestDuration}_sum`, ok) - 0.0525) < 1e-9);
  t.is(value(`${METRIC.requestDuration}_bucket`, { ...ok, le: '0.01' }), 0);
  t.is(value(`${METRIC.requestDuration}_bucket`, { ...ok, le: '0.025' }), 1);
  t.is(value(`${METRIC.requestDuration}_bucket`, { ...ok, le: '0.05' }), 2);

  t.is(types.get(METRIC.batchSize), 'histogram');
  t.is(value(`${METRIC.batchSize}_count`, { model: 'demo' }), 2);
  t.is(value(`${METRIC.batchSize}_sum`, { model: 'demo' }), 5);

  t.is(types.get(METRIC.queueDepth), 'gauge');
  t.is(value(METRIC.queueDepth, { queue: 'demo' }), 3);

  t.is(types.get(METRIC.opTime), 'counter');
  const opTypes = [...new Set(profile.nodes.map((n) => n.opType))].sort();
  const opSamples = one(METRIC.opTime, { model: 'demo', provider: 'cpu' });
  t.deepEqual(opSamples.map((s) => s.labels.op_type).sort(), opTypes, 'one series per op type that ran');
  const nodeSeconds = profile.nodes.reduce((a, n) => a + (n.endNs - n.startNs), 0) / 1e9;
  const total = opSamples.reduce((a, s) => a + s.value, 0);
  t.true(total > 0 && Math.abs(total - nodeSeconds) < 1e-9, `${total} vs ${nodeSeconds}`);

  t.is(types.get(METRIC.poolUtilization), 'gauge');
  t.is(value(METRIC.poolUtilization, { pool: 'cpu' }), 0.5);
  t.is(types.get(METRIC.arenaBytes), 'gauge');
  t.is(value(METRIC.arenaBytes, { model: 'demo', device: 'cpu' }), 1 << 20);
  t.is(types.get(METRIC.modelLoadDuration), 'histogram');
  t.is(value(`${METRIC.modelLoadDuration}_count`, { model: 'demo', provider: 'cpu' }), 1);

  t.is(telemetryErrorCount(), 0);
  await telemetry.shutdown();
  await t.throwsAsync(fetch(`http://127.0.0.1:${port}/metrics`), undefined, 'shutdown stops the endpoint');
  await session.release();
});
