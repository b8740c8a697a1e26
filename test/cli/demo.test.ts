// `onnxfleet demo` as a user runs it, from sources: the local cluster serves the demo model, the online
// requests and the batch job print their results, and the one traced request prints its span tree (client ->
// worker -> session.run -> every node of the executed plan) and writes it as Chrome trace JSON.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { buildDemoClassifier, InferenceSession } from '../../engine/index.js';
import { natsServerAvailable } from '../helpers/nats-server.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const missing = natsServerAvailable();

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 240_000, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr }),
    );
  });
}

interface Event {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args: Record<string, unknown>;
}

(missing ? test.skip : test)(
  'demo serves the model, prints results and the trace of one request, and writes it as Chrome trace JSON',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'onnxfleet-demo-'));
    const session = await InferenceSession.create(buildDemoClassifier({ seed: 42 }).toBytes());
    const plan = session.planNodes.map((n) => `${n.opType} ${n.name}`);
    await session.release();
    try {
      const traceFile = join(dir, 'out', 'trace.json');
      // Telemetry settings of the user's shell must not take the demo's trace elsewhere or rename processes.
      const r = await cli(['demo', '--requests', '40', '--batch-items', '200', '--trace-file', traceFile], {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces',
        OTEL_SERVICE_NAME: 'somebody-else',
      });
      t.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const out = r.stdout;

      // The results, as before.
      t.regex(out, /^request 0: class \d+ \(p=[\d.]+\) from worker \S+$/m);
      t.regex(out, /^40 requests in [\d.]+ s: \d+ req\/s, p50 /m);
      t.regex(out, /^batch \S+: DONE, 200 done, 0 failed in /m);
      t.regex(out, /^checked \d+ items against the engine in-process: max \|difference\| /m);
      t.regex(out, /^done$/m);

      // The trace, as a tree: root -> client span -> worker infer -> session.run -> one line per plan node.
      const header =
        /^trace ([0-9a-f]{32}): (\d+) spans from (\d+) processes, (\d+) of them graph nodes$/m.exec(out);
      t.truthy(header, out);
      const [, traceId, spanCount, processCount, nodeCount] = header!;
      t.is(Number(nodeCount), plan.length);
      t.true(Number(processCount) >= 2);
      const lines = out.slice(header!.index).split('\n').slice(1);
      const end = lines.findIndex((l) => l.startsWith('wrote '));
      t.true(end > 0, out);
      t.regex(lines[end], new RegExp(`^wrote ${traceFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Chrome`));
      const tree = lines.slice(1, end); // after the column titles
      t.is(tree.length, Number(spanCount));
      const indent = (l: string) => /^ */.exec(l)![0].length;
      const find = (name: string, process: string) =>
        tree.findIndex((l) => new RegExp(`^ *${name} +${process}\\[\\d+\\] `).test(l));
      const root = find('demo request', 'onnxfleet-client');
      const client = find('onnxfleet\\.infer', 'onnxfleet-client');
      const infer = find('infer', 'onnxfleet-worker');
      const run = find('session\\.run', 'onnxfleet-worker');
      t.deepEqual(
        [root, client, infer, run].map((i) => (i < 0 ? -1 : indent(tree[i]))),
        [2, 4, 6, 8],
        tree.join('\n'),
      );
      t.regex(tree[infer], /model=demo_classifier .*batch\.size=1/);
      t.regex(tree[run], new RegExp(`nodes_executed=${plan.length}\\b`));
      const nodes = tree.slice(run + 1).filter((l) => indent(l) === indent(tree[run]) + 2);
      t.deepEqual(
        nodes.map((l) => /^ *(\S+ \S+) +onnxfleet-worker\[\d+\] +\+[\d.]+ +[\d.]+ ms +\[/.exec(l)?.[1]),
        plan,
        tree.join('\n'),
      );

      // The file: a complete event per span, on a track per process (client and worker).
      const json = JSON.parse(await readFile(traceFile, 'utf8')) as {
        traceEvents: Event[];
        otherData: { trace_id: string };
      };
      t.is(json.otherData.trace_id, traceId);
      const complete = json.traceEvents.filter((e) => e.ph === 'X');
      t.is(complete.length, Number(spanCount));
      t.is(new Set(complete.map((e) => e.args['span.id'])).size, complete.length);
      for (const e of complete) {
        t.true(Number.isFinite(e.ts) && e.ts! >= 0 && Number.isFinite(e.dur) && e.dur! >= 0, e.name);
      }
      const tracks = new Map(
        json.traceEvents
          .filter((e) => e.ph === 'M' && e.name === 'process_name')
          .map((e) => [e.pid, String(e.args.name)]),
      );
      const pids = new Set(complete.map((e) => e.pid));
      t.true(pids.size >= 2);
      t.deepEqual(
        new Set([...pids].map((p) => tracks.get(p)?.replace(/ \(pid \d+\)$/, ''))),
        new Set(['onnxfleet-client', 'onnxfleet-worker']),
      );
      const byName = (name: string) => complete.find((e) => e.name === name)!;
      t.is(tracks.get(byName('demo request').pid), tracks.get(byName('onnxfleet.infer').pid));
      t.not(byName('onnxfleet.infer').pid, byName('infer').pid);
      const runEvent = byName('session.run');
      const nodeEvents = complete.filter((e) => e.cat === 'node');
      t.deepEqual(
        nodeEvents.map((e) => e.name),
        plan,
      );
      for (const e of nodeEvents) {
        t.is(e.pid, runEvent.pid);
        t.is(e.args['span.parent_id'], runEvent.args['span.id']);
        t.true(e.ts! >= runEvent.ts! && e.ts! + e.dur! <= runEvent.ts! + runEvent.dur! + 1e-6, e.name);
        t.is(typeof e.args['onnx.node.op_type'], 'string');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
