// Chaos: a local cluster of 3 workers runs 1000 durable jobs while a random worker is SIGKILLed and replaced
// every few seconds and the coordinator is killed and restarted once. Every job must end with exactly one
// stored result, equal to the in-process engine's output.
import { join } from 'node:path';
import test from 'ava';
import type { Tensor } from '../../engine/index.js';
import { currentPlacements } from '../../coordinator/cluster-view.js';
import { mulberry32 } from '../helpers/prng.js';
import { natsServerAvailable } from '../helpers/nats-server.js';
import { startCoordinator, type WorkerProcess } from '../helpers/worker-process.js';
import { Cluster, demoInput, MODEL, maxAbsDiff } from '../e2e/cluster.js';

const missing = natsServerAvailable();
const it = missing ? test.skip : test.serial;
if (missing) test(`chaos skipped: ${missing}`, (t) => t.pass());

const JOBS = 1000;
// Images per job: enough work that draining the queue takes a while.
const BATCH = 64;
const WORKER_ARGS = ['--threads', '1', '--intra-op', '1', '--heartbeat-ms', '300', '--ack-wait-ms', '2000'];

let cluster: Cluster;
let coordinator: WorkerProcess | undefined;

test.after.always(async () => {
  await coordinator?.kill().catch(() => undefined);
  await cluster?.stop();
});

it('1000 durable jobs survive random worker kills and a coordinator restart, each stored exactly once', async (t) => {
  cluster = await Cluster.start();
  const coordinatorArgs = [
    '--interval-ms',
    '300',
    '--dead-after-ms',
    '1500',
    '--cache-dir',
    join(cluster.dir, 'coordinator'),
  ];
  const client = cluster.client;
  const jsm = await client.connection.manager();
  const names = client.connection.names;
  const stored = async () => {
    try {
      return (await jsm.streams.info(names.resultsStream)).state;
    } catch {
      return { messages: 0, last_seq: 0 };
    }
  };

  // Queue everything first, then start the cluster, so the kills land while the queue drains.
  for (let i = 0; i < JOBS; i++) {
    await client.submitJob(MODEL, demoInput(5000 + i, BATCH), { jobId: `chaos-${i}` });
  }
  coordinator = await startCoordinator(cluster.server.url, coordinatorArgs);
  const live = await Promise.all([0, 1, 2].map(() => cluster.worker(WORKER_ARGS, { placed: true })));

  // Kills are tied to progress, not to the clock, so they land mid-run however fast the queue drains: a random
  // worker at 10%, 30%, 50% and 70% of the results (replaced by a fresh one that starts in the background),
  // and the coordinator at 40%.
  const random = mulberry32(2024);
  const killAt = [0.1, 0.3, 0.5, 0.7].map((f) => f * JOBS);
  const restartAt = 0.4 * JOBS;
  const starting: Promise<unknown>[] = [];
  let kills = 0;
  let coordinatorRestarted = false;
  const deadline = Date.now() + 240_000;
  for (;;) {
    const done = (await stored()).messages;
    if (done >= JOBS || Date.now() > deadline) break;
    if (kills < killAt.length && done >= killAt[kills] && live.length >= 2) {
      const victim = live.splice(Math.floor(random() * live.length), 1)[0];
      await victim.kill();
      kills++;
      starting.push(cluster.worker(WORKER_ARGS, { placed: true }).then((w) => live.push(w)));
    }
    if (!coordinatorRestarted && done >= restartAt) {
      await coordinator!.kill();
      coordinatorRestarted = true;
      starting.push(startCoordinator(cluster.server.url, coordinatorArgs).then((c) => (coordinator = c)));
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all(starting);
  const state = await stored();
  t.log(`${kills} worker kills, coordinator restarted: ${coordinatorRestarted}`);
  t.true(kills >= 2, 'workers were killed during the run');
  t.true(coordinatorRestarted, 'the coordinator was restarted during the run');
  t.is(state.messages, JOBS, 'one result per job');
  t.is(state.last_seq, JOBS, 'no result was ever stored twice');

  for (let i = 0; i < JOBS; i++) {
    const r = await client.jobResult(`chaos-${i}`);
    if (!r || r.state !== 'SUCCEEDED') {
      t.fail(`job ${i}: ${r ? `${r.state} ${r.error?.message}` : 'no result'}`);
      continue;
    }
    const want = (await cluster.reference.run(demoInput(5000 + i, BATCH))).probabilities as Tensor;
    if (maxAbsDiff(r.outputs.probabilities, want) >= 1e-6) t.fail(`job ${i} output differs`);
  }
  t.is((await jsm.streams.info(names.jobsStream)).state.messages, 0, 'the work queue is empty');
  // The restarted coordinator kept placing: the model is on live workers only.
  const p = (await currentPlacements(client.connection)).get(MODEL);
  const liveIds = new Set(live.map((w) => w.id));
  t.true(
    p !== undefined && p.workers.length > 0 && p.workers.every((id) => liveIds.has(id)),
    JSON.stringify(p?.workers),
  );
});
