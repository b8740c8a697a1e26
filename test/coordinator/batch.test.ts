// Batch jobs end to end: a real nats-server, real worker processes, and a real `onnxfleet coordinator` process
// that is SIGKILLed mid-batch and restarted. The assembled result lists every item exactly once,
// in input order, equal to the in-process engine's outputs; per-item failures are listed at their indices.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import {
  BadInputError,
  JobNotFoundError,
  Tensor,
  UnavailableError,
  type BatchItemOutcome,
  type BatchStatus,
} from '../../client/index.js';
import { readNpy, writeNpy } from '../../engine/index.js';
import { Cluster, demoInput, MODEL, maxAbsDiff } from '../e2e/cluster.js';
import { startCoordinator, type WorkerProcess } from '../helpers/worker-process.js';
import { natsServerAvailable } from '../helpers/nats-server.js';

const missing = natsServerAvailable();
const it = missing ? test.skip : test.serial;
if (missing) test(`batch tests skipped: ${missing}`, (t) => t.pass());

/** Items of the big batch (ONNXFLEET_BATCH_ITEMS overrides it for quick local runs). */
const ITEMS = Number(process.env.ONNXFLEET_BATCH_ITEMS ?? 10_000);
const LEASE_MS = 2000;

let cluster: Cluster;
let manager: WorkerProcess;
// The real `onnxfleet coordinator` process (placement and batches); killed and restarted mid-batch.
const coordinator = () =>
  startCoordinator(cluster.server.url, [
    '--batch-lease-ms',
    String(LEASE_MS),
    '--cache-dir',
    join(cluster.dir, 'coordinator'),
  ]);

test.before(async () => {
  if (missing) return;
  cluster = await Cluster.start();
  await Promise.all([
    cluster.worker(['--threads', '1', '--intra-op', '1']),
    cluster.worker(['--threads', '1', '--intra-op', '1']),
  ]);
  manager = await coordinator();
});

test.after.always(async () => {
  await manager?.kill();
  await cluster?.stop();
});

async function collect(results: AsyncIterable<BatchItemOutcome>): Promise<BatchItemOutcome[]> {
  const out: BatchItemOutcome[] = [];
  for await (const r of results) out.push(r);
  return out;
}

async function streamState(name: 'jobs' | 'results') {
  const conn = cluster.client.connection;
  const jsm = await conn.manager();
  const stream = name === 'jobs' ? conn.names.jobsStream : conn.names.resultsStream;
  return (await jsm.streams.info(stream)).state;
}

it('an unknown batch id is a JobNotFoundError', async (t) => {
  const client = cluster.client;
  await t.throwsAsync(client.batchStatus('no-such-batch'), { instanceOf: JobNotFoundError });
  await t.throwsAsync(client.watchBatch('no-such-batch', { timeoutMs: 5000 }), {
    instanceOf: JobNotFoundError,
  });
  await t.throwsAsync(collect(client.batchResults('no-such-batch')), {
    instanceOf: JobNotFoundError,
    message: "batch 'no-such-batch' not found",
  });
});

it('items with a wrong shape are listed as FAILED with BAD_INPUT at their indices', async (t) => {
  const bad = new Set([0, 3, 7, 15]);
  const items = Array.from({ length: 20 }, (_, i) =>
    bad.has(i) ? { images: new Tensor('float32', new Float32Array(3), [1, 3]) } : demoInput(500 + i),
  );
  const id = await cluster.client.submitBatch(MODEL, items, { batchId: 'shapes', chunk: 6 });
  t.is(id, 'shapes');
  await t.throwsAsync(cluster.client.submitBatch(MODEL, items, { batchId: 'shapes' }), {
    instanceOf: BadInputError,
    message: /already exists/,
  });
  const final = await cluster.client.watchBatch(id, { timeoutMs: 120_000 });
  t.like(final, { state: 'DONE', total: 20, done: 20, failed: bad.size });
  const results = await collect(cluster.client.batchResults(id));
  t.deepEqual(
    results.map((r) => r.index),
    items.map((_, i) => i),
  );
  for (const r of results) {
    if (bad.has(r.index)) {
      t.is(r.state, 'FAILED');
      t.true(r.error instanceof BadInputError, `item ${r.index}: ${r.error?.name}`);
      t.is(r.error?.code, 'BAD_INPUT');
      t.is(r.outputs, undefined);
    } else {
      t.is(r.state, 'SUCCEEDED', `item ${r.index}: ${r.error?.message}`);
      const want = (await cluster.reference.run(demoInput(500 + r.index))).probabilities as Tensor;
      t.true(maxAbsDiff(r.outputs!.probabilities, want) < 1e-6, `item ${r.index} equals the engine`);
    }
  }
});

it(`a batch of ${ITEMS} items survives a SIGKILLed coordinator and assembles in order`, async (t) => {
  const seed = 10_000;
  const jobsBefore = (await streamState('jobs')).last_seq;
  const resultsBefore = (await streamState('results')).messages;
  function* items() {
    for (let i = 0; i < ITEMS; i++) yield demoInput(seed + i);
  }
  const t0 = performance.now();
  const id = await cluster.client.submitBatch(MODEL, items(), { batchId: 'big' });
  const submitMs = performance.now() - t0;
  t.like(await cluster.client.batchStatus(id), { total: ITEMS });
  await t.throwsAsync(collect(cluster.client.batchResults(id)), {
    instanceOf: UnavailableError,
    message: /results are there once it is DONE/,
  });

  // Kill the manager once about a third of the items are done; a new one resumes when the lease lapses.
  const seen: BatchStatus[] = [];
  let replaced: Promise<void> | undefined;
  let doneAtKill = -1;
  const final = await cluster.client.watchBatch(id, {
    timeoutMs: 600_000,
    onProgress: (s) => {
      seen.push(s);
      if (!replaced && s.done >= ITEMS / 3) {
        doneAtKill = s.done;
        replaced = manager
          .kill()
          .then(() => coordinator())
          .then((m) => {
            manager = m;
          });
      }
    },
  });
  await replaced;
  const runMs = performance.now() - t0 - submitMs;
  t.like(final, { state: 'DONE', total: ITEMS, submitted: ITEMS, done: ITEMS, failed: 0 });
  t.true(doneAtKill > 0 && doneAtKill < ITEMS, `killed mid-batch (${doneAtKill} of ${ITEMS} done)`);
  const running = seen.filter((s) => s.state === 'RUNNING' && s.done > 0 && s.done < ITEMS);
  t.true(running.length >= 3, `progress was reported (${running.length} updates while running)`);
  t.true(
    seen.every((s, i) => i === 0 || s.done >= seen[i - 1].done),
    'done never went backwards, across the restart too',
  );
  t.true(
    running.some((s) => s.rate > 0 && s.etaMs !== undefined && s.etaMs > 0),
    'rate and ETA were reported',
  );
  t.true(final.finishedUnixMs! >= final.startedUnixMs!);

  // Exactly one job per item was stored in the work queue (the restarted manager's republishes were
  // duplicates), and one result per item.
  t.is((await streamState('jobs')).last_seq - jobsBefore, ITEMS, 'one queued job per item');
  t.is((await streamState('results')).messages - resultsBefore, ITEMS, 'one result per item');

  const t1 = performance.now();
  const sample = new Set([0, 1, ITEMS - 1]);
  for (let i = 0; i < ITEMS; i += Math.max(1, Math.floor(ITEMS / 40))) sample.add(i);
  let next = 0;
  let checked = 0;
  for await (const r of cluster.client.batchResults(id)) {
    if (r.index !== next) t.fail(`item ${next} expected, got ${r.index}`);
    next++;
    if (r.state !== 'SUCCEEDED') t.fail(`item ${r.index} failed: ${r.error?.message}`);
    if (!sample.has(r.index)) continue;
    const want = (await cluster.reference.run(demoInput(seed + r.index))).probabilities as Tensor;
    t.true(maxAbsDiff(r.outputs!.probabilities, want) < 1e-6, `item ${r.index} equals the engine`);
    checked++;
  }
  t.is(next, ITEMS, 'every index once, in order');
  t.is(checked, sample.size);
  t.log(
    `${ITEMS} items: submit ${(submitMs / 1000).toFixed(1)} s, run ${(runMs / 1000).toFixed(1)} s, ` +
      `read results ${((performance.now() - t1) / 1000).toFixed(1)} s; manager killed at ${doneAtKill} done`,
  );
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args, '--nats', cluster.server.url],
      { cwd: root, env: { ...process.env, DEBUG: '', ONNXFLEET_CACHE_DIR: join(cluster.dir, 'cli-cache') } },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr }),
    );
  });
}

it('onnxfleet batch submit --wait, status and results: a split .npy and a directory of items', async (t) => {
  // Items 0-4 from one [5, 3, 32, 32] file, items 5-6 from a directory of two [1, 3, 32, 32] files.
  const stacked = join(cluster.dir, 'stacked.npy');
  const many = demoInput(900, 5).images;
  await writeNpy(stacked, many);
  const dir = join(cluster.dir, 'items');
  mkdirSync(dir, { recursive: true });
  await writeNpy(join(dir, 'a.npy'), demoInput(905).images);
  await writeNpy(join(dir, 'b.npy'), demoInput(906).images);
  const out = join(cluster.dir, 'batch-out');
  const submit = await cli([
    'batch',
    'submit',
    MODEL,
    '--inputs',
    stacked,
    dir,
    '--batch-id',
    'cli',
    '--wait',
    '--timeout-ms',
    '120000',
    '--output-dir',
    out,
  ]);
  t.is(submit.code, 0, submit.stderr);
  t.regex(submit.stdout, /^batch cli submitted \(7 items\)$/m);
  t.regex(submit.stdout, /^batch cli: DONE 7\/7 done, took [\d.]+ s$/m);
  t.regex(submit.stderr, /batch cli: (SUBMITTED|RUNNING) /, 'progress lines on a non-terminal');
  const files = (await readdir(join(out, 'probabilities'))).sort();
  t.deepEqual(files, ['0.npy', '1.npy', '2.npy', '3.npy', '4.npy', '5.npy', '6.npy']);
  const all = (await cluster.reference.run(demoInput(900, 5))).probabilities as Tensor;
  for (let i = 0; i < 7; i++) {
    const got = await readNpy(join(out, 'probabilities', `${i}.npy`));
    const want =
      i < 5
        ? new Tensor('float32', (all.data as Float32Array).slice(i * 10, i * 10 + 10), [1, 10])
        : ((await cluster.reference.run(demoInput(900 + i))).probabilities as Tensor);
    t.true(maxAbsDiff(got, want) < 1e-6, `item ${i} equals the engine`);
  }
  const status = await cli(['batch', 'status', 'cli']);
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /^batch cli: DONE 7\/7 done/m);
  const results = await cli(['batch', 'results', 'cli', '--output-dir', join(cluster.dir, 'again')]);
  t.is(results.code, 0, results.stderr);
  t.regex(results.stdout, /^wrote 7 item result\(s\) to /m);
  const unknown = await cli(['batch', 'status', 'nope']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^onnxfleet: batch 'nope' not found$/m);
});
