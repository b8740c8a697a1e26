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
const BATCH = 32;
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

  const random = mulberry32(2024);
  let kills = 0;
  let coordinatorRestarted = false;
  const deadline = Date.now() + 240_000;
  while ((await stored()).messages < JOBS) {
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000 + random() * 1500));
    if ((await stored()).messages >= JOBS) break;
    const victim = live.splice(Math.floor(random() * live.length), 1)[0];
    await victim.kill();
    kills++;
    live.push(await cluster.worker(WORKER_ARGS, { placed: true }));
    if (!coordinatorRestarted && (await stored()).messages > JOBS / 3) {
      await coordinator!.kill();
      coordinator = await startCoordinator(cluster.server.url, coordinatorArgs);
      coordinatorRestarted = true;
    }
  }
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
