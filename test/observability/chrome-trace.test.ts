// `onnxfleet run --profile` as a user runs it: the Chrome trace it writes is what Perfetto's JSON importer
// takes: a traceEvents array of complete ('X') events {name, ph, ts, dur, pid, tid, args}, one per executed
// plan node per timed run, in order and never overlapping on their thread.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { buildDemoClassifier, InferenceSession } from '../../engine/index.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args],
      { cwd: repoRoot, env: { ...process.env, DEBUG: '' } },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr }),
    );
  });
}

interface TraceEvent {
  name: unknown;
  cat?: unknown;
  ph: unknown;
  ts: unknown;
  dur: unknown;
  pid: unknown;
  tid: unknown;
  args: Record<string, unknown>;
}

test('onnxfleet run --profile writes a Chrome trace Perfetto opens: one complete event per node per run', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'onnxfleet-trace-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const model = join(dir, 'demo.onnx');
  await writeFile(model, buildDemoClassifier().toBytes());
  const repeat = 3;
  const r = await cli([
    'run',
    model,
    '--batch',
    '2',
    '--threads',
    '1',
    '--warmup',
    '1',
    '--repeat',
    String(repeat),
    '--profile',
    '--profile-prefix',
    join(dir, 'p'),
  ]);
  t.is(r.code, 0, r.stderr);
  const path = /^trace: (\S+) /m.exec(r.stdout)?.[1];
  t.truthy(path, r.stdout);
  const trace = JSON.parse(await readFile(path!, 'utf8')) as {
    traceEvents: TraceEvent[];
    displayTimeUnit?: string;
    otherData?: Record<string, unknown>;
  };

  // The same model and options in this process give the plan the CLI ran.
  const session = await InferenceSession.create(model, {
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const nodes = session.planNodes;
  t.true(Array.isArray(trace.traceEvents));
  t.true(trace.displayTimeUnit === undefined || ['ms', 'ns'].includes(trace.displayTimeUnit));
  t.is(trace.traceEvents.length, repeat * nodes.length, 'warm-up runs are not in the trace');
  for (const e of trace.traceEvents) {
    t.is(e.ph, 'X');
    t.is(typeof e.name, 'string');
    t.true(typeof e.ts === 'number' && Number.isFinite(e.ts) && e.ts >= 0);
    t.true(typeof e.dur === 'number' && Number.isFinite(e.dur) && e.dur >= 0);
    t.true(Number.isInteger(e.pid) && Number.isInteger(e.tid));
    t.is(typeof e.args, 'object');
  }
  const byRun = new Map<number, TraceEvent[]>();
  for (const e of trace.traceEvents)
    byRun.set(e.args.run as number, [...(byRun.get(e.args.run as number) ?? []), e]);
  t.deepEqual([...byRun.keys()], [...Array(repeat).keys()]);
  let previousEnd = -Infinity;
  for (const events of byRun.values()) {
    t.deepEqual(
      events.map((e) => [e.name, e.args.op_name, e.args.domain]),
      nodes.map((n) => [n.name, n.opType, n.domain || 'ai.onnx']),
      'one event per plan node, in execution order',
    );
    events.forEach((e, i) => t.deepEqual(e.args.fused_from, nodes[i].fusedFrom));
    for (const e of events) {
      // Complete events on one thread must nest or follow each other; nodes follow each other.
      t.true((e.ts as number) >= previousEnd, `${String(e.name)} starts after the previous node ends`);
      previousEnd = (e.ts as number) + (e.dur as number);
    }
  }
  t.true(
    nodes.some((n) => n.fusedFrom),
    'the demo plan has fused nodes, named in args.fused_from',
  );
  t.is(typeof trace.otherData?.startTimeUnixUs, 'number');
  await session.release();
});
