// The Grafana dashboards in observability/dashboards/: valid dashboard JSON, a Prometheus datasource variable
// that every panel uses, and PromQL that names only metrics the code really exports (read off a scrape of the
// Prometheus endpoint after recording every fleet instrument once).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { buildDemoClassifier, InferenceSession, Tensor } from '../../engine/index.js';
import { fleetMetrics, METRIC, setupTelemetry } from '../../observability/index.js';
import { freePort } from './free-port.js';

const dir = fileURLToPath(new URL('../../observability/dashboards/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  gridPos?: { x: number; y: number; w: number; h: number };
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const load = (f: string) => JSON.parse(readFileSync(`${dir}${f}`, 'utf8')) as Dashboard;
const allPanels = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

// PromQL words that are not metric names.
const PROMQL = new Set(
  [
    'sum avg min max count stddev stdvar topk bottomk quantile count_values group',
    'rate irate increase delta idelta deriv histogram_quantile sort sort_desc abs ceil floor round',
    'clamp clamp_min clamp_max label_replace label_join vector scalar time absent absent_over_time',
    'avg_over_time max_over_time min_over_time sum_over_time count_over_time last_over_time',
    'by without on ignoring group_left group_right bool and or unless offset inf nan label_values',
  ]
    .join(' ')
    .split(/\s+/),
);

/** The metric names a PromQL expression selects: label matchers, ranges, strings and grouping removed. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const words = bare.match(/[A-Za-z_:][\w:]*/g) ?? [];
  return [...new Set(words.filter((w) => !PROMQL.has(w.toLowerCase())))];
}

/** Metric names the Prometheus endpoint serves once every fleet instrument has a value. */
async function exportedNames(): Promise<Set<string>> {
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];
  const port = await freePort();
  const telemetry = await setupTelemetry({
    serviceName: 'dashboards-test',
    metricsPort: port,
    metricsHost: '127.0.0.1',
  });
  try {
    const session = await InferenceSession.create(buildDemoClassifier().toBytes(), { intraOpNumThreads: 1 });
    await session.run(
      { images: new Tensor('float32', new Float32Array(3 * 32 * 32), [1, 3, 32, 32]) },
      { profile: true },
    );
    const m = fleetMetrics();
    m.recordRequest('demo', 'ok', 3);
    m.recordBatch('demo', 2);
    m.setQueueDepth('engine', 1);
    m.recordRunProfile('demo', session.provider, session.lastRunProfile!);
    m.setPoolUtilization('engine', 0.5);
    m.setArenaBytes('demo', 1024);
    m.recordModelLoad('demo', 'cpu', 12);
    m.recordPlacementRound({ workers: 2, placed: 1, split: 1, unplaced: 0, changes: 1 });
    await session.release();
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return new Set(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => /^[A-Za-z_:][\w:]*/.exec(l)![0]),
    );
  } finally {
    await telemetry.shutdown();
  }
}

test('metricNames reads the metric names out of PromQL', (t) => {
  t.deepEqual(
    metricNames(
      'histogram_quantile(0.95, sum by (le, model) (rate(a_bucket{job=~"$job", x="sum"}[$__rate_interval])))',
    ),
    ['a_bucket'],
  );
  t.deepEqual(
    metricNames('sum by (op_type) (increase(b_total[$__range])) / ignoring(op_type) group_left sum(c)'),
    ['b_total', 'c'],
  );
});

test('the dashboards are Grafana JSON whose panels query only exported metrics', async (t) => {
  t.deepEqual(files.sort(), ['onnxfleet-cluster-overview.json', 'onnxfleet-model-latency.json']);
  const exported = await exportedNames();
  for (const name of Object.values(METRIC)) {
    t.true(
      exported.has(name) || exported.has(`${name}_count`),
      `the endpoint serves ${name} (${[...exported].join(', ')})`,
    );
  }
  const uids = new Set<string>();
  const used = new Set<string>();
  for (const f of files) {
    const d = load(f);
    t.truthy(d.title, f);
    t.false(uids.has(d.uid), `${f}: uid is unique`);
    uids.add(d.uid);
    t.true(d.schemaVersion >= 36, `${f}: schemaVersion`);
    const vars = d.templating.list;
    const ds = vars.find((v) => v.type === 'datasource');
    t.is(ds?.query, 'prometheus', `${f}: a Prometheus datasource variable`);
    const dsRef = `\${${ds!.name}}`;
    for (const v of vars.filter((x) => x.type === 'query')) {
      t.is(v.datasource?.uid, dsRef, `${f}: variable ${v.name} uses the datasource variable`);
      const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
      const inner = /label_values\((.*),\s*\w+\)$/.exec(q)?.[1] ?? '';
      for (const name of metricNames(inner)) t.true(exported.has(name), `${f}: variable ${v.name}: ${name}`);
    }
    const panels = allPanels(d.panels);
    const ids = panels.map((p) => p.id);
    t.is(new Set(ids).size, ids.length, `${f}: panel ids are unique`);
    const queries = panels.filter((p) => p.type !== 'row');
    t.true(queries.length >= 5, `${f}: has panels`);
    for (const p of queries) {
      const what = `${f}: panel '${p.title}'`;
      t.truthy(p.gridPos, `${what}: gridPos`);
      t.is(p.datasource?.uid, dsRef, `${what}: uses the datasource variable`);
      t.true((p.targets ?? []).length > 0, `${what}: has queries`);
      for (const target of p.targets ?? []) {
        t.is(target.datasource?.uid, dsRef, `${what}: target datasource`);
        const names = metricNames(target.expr ?? '');
        t.true(names.length > 0, `${what}: '${target.expr}' selects a metric`);
        for (const name of names) {
          t.true(exported.has(name), `${what}: '${name}' is not a metric the code exports`);
          used.add(name);
        }
      }
    }
  }
  // The overview and the per-model dashboard cover what issue 7 asks for.
  for (const name of [
    METRIC.requests,
    `${METRIC.requestDuration}_bucket`,
    METRIC.queueDepth,
    METRIC.poolUtilization,
    `${METRIC.batchSize}_bucket`,
    METRIC.opTime,
    `${METRIC.modelLoadDuration}_bucket`,
  ]) {
    t.true(used.has(name), `some panel shows ${name}`);
  }
});
