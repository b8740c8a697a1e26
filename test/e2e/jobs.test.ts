// Durable jobs through a real nats-server and real worker processes: results equal the in-process engine's,
// a SIGKILLed worker loses nothing, every job ends with exactly one stored result, and inputs that cannot
// succeed end as FAILED results instead of retrying forever.
import test from 'ava';
import { BadInputError, Tensor, type FleetClient } from '../../client/index.js';
import { jobEventCodec } from '../../protocol/index.js';
import { natsServerAvailable } from '../helpers/nats-server.js';
import { Cluster, demoInput, MODEL, maxAbsDiff } from './cluster.js';

const missing = natsServerAvailable();
const it = missing ? test.skip : test.serial;
if (missing) test(`jobs e2e skipped: ${missing}`, (t) => t.pass());

let cluster: Cluster;

test.before(async () => {
  if (!missing) cluster = await Cluster.start();
});

test.after.always(async () => {
  await cluster?.stop();
});

async function storedResults(client: FleetClient): Promise<number> {
  const jsm = await client.connection.manager();
  return (await jsm.streams.info(client.connection.names.resultsStream)).state.messages;
}

it('durable jobs give the in-process engine outputs', async (t) => {
  const w = await cluster.worker(['--threads', '2', '--intra-op', '1']);
  const ids = [];
  for (let i = 0; i < 5; i++)
    ids.push(await cluster.client.submitJob(MODEL, demoInput(300 + i, 2), { labels: { n: String(i) } }));
  for (let i = 0; i < ids.length; i++) {
    const r = await cluster.client.watchJob(ids[i], { timeoutMs: 60_000 });
    t.is(r.state, 'SUCCEEDED');
    t.is(r.labels.n, String(i));
    const want = (await cluster.reference.run(demoInput(300 + i, 2))).probabilities as Tensor;
    t.true(maxAbsDiff(r.outputs.probabilities, want) < 1e-6);
  }
  // Bad input is final: one attempt, a FAILED result with the typed error.
  const bad = await cluster.client.submitJob(MODEL, {
    images: new Tensor('float32', new Float32Array(3), [1, 3]),
  });
  const r = await cluster.client.watchJob(bad, { timeoutMs: 60_000 });
  t.is(r.state, 'FAILED');
  t.true(r.error instanceof BadInputError);
  t.is(r.attempts, 1);
  await w.stop();
});

it('200 jobs on two workers, one SIGKILLed mid-run: every job completes exactly once, correctly', async (t) => {
  const prefix = 'kill';
  const client = await cluster.connect({ prefix });
  await client.pushModel(cluster.modelPath, { name: MODEL });
  const args = ['--prefix', prefix, '--threads', '1', '--intra-op', '1', '--ack-wait-ms', '2000'];
  const n = 200;
  const batch = 32; // images per job: enough work that the queue takes a few seconds to drain
  const ids: string[] = [];
  // Queue everything first, so the kill lands while the workers are busy with it.
  for (let i = 0; i < n; i++)
    ids.push(await client.submitJob(MODEL, demoInput(1000 + i, batch), { jobId: `job-${i}` }));
  const [victim] = await Promise.all([cluster.worker(args), cluster.worker(args)]);
  // Kill one worker once some results are in but well before all are.
  while ((await storedResults(client)) < 10) await new Promise((r) => setTimeout(r, 10));
  await victim.kill();
  const atKill = await storedResults(client);
  t.true(atKill < n, `the kill came mid-run (${atKill} of ${n} done)`);
  const outcomes = await Promise.all(ids.map((id) => client.watchJob(id, { timeoutMs: 120_000 })));
  t.is(await storedResults(client), n, 'exactly one stored result per job');
  for (let i = 0; i < n; i++) {
    t.is(outcomes[i].state, 'SUCCEEDED', `job ${i}: ${outcomes[i].error?.message}`);
    const want = (await cluster.reference.run(demoInput(1000 + i, batch))).probabilities as Tensor;
    if (maxAbsDiff(outcomes[i].outputs.probabilities, want) >= 1e-6) t.fail(`job ${i} output differs`);
  }
  const jsm = await client.connection.manager();
  t.is(
    (await jsm.streams.info(client.connection.names.jobsStream)).state.messages,
    0,
    'the work queue is empty',
  );
});

it('a job whose worker dies on every attempt ends FAILED after max attempts', async (t) => {
  const prefix = 'poison';
  const client = await cluster.connect({ prefix });
  await client.pushModel(cluster.modelPath, { name: MODEL });
  const args = [
    '--prefix',
    prefix,
    '--threads',
    '1',
    '--intra-op',
    '1',
    '--ack-wait-ms',
    '1000',
    '--max-attempts',
    '1',
  ];
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) ids.push(await client.submitJob(MODEL, demoInput(i, 64)));
  // Kill it the moment it starts running a job (its RUNNING event), well before that job's result can be
  // stored: the job comes back as attempt 2 > --max-attempts 1.
  const names = client.connection.names;
  let killedDuring: string | undefined;
  let firstWorker: Awaited<ReturnType<typeof cluster.worker>> | undefined;
  let started = 0;
  const killed = new Promise<void>((resolve) => {
    client.connection.nc.subscribe(`${names.prefix}.events.job.*`, {
      callback: (_e, m) => {
        const ev = jobEventCodec.decode(m.data);
        if (ev.state !== 'RUNNING' || killedDuring || !firstWorker || ++started < 3) return;
        killedDuring = ev.jobId;
        firstWorker.proc.kill('SIGKILL');
        resolve();
      },
    });
  });
  firstWorker = await cluster.worker(args);
  await killed;
  const first = firstWorker;
  await first.kill();
  await cluster.worker(args);
  const outcomes = await Promise.all(ids.map((id) => client.watchJob(id, { timeoutMs: 120_000 })));
  t.is(await storedResults(client), ids.length);
  const failed = outcomes.filter((o) => o.state === 'FAILED');
  t.true(
    failed.some((f) => f.jobId === killedDuring),
    `the job running when its worker was killed (${killedDuring}) failed`,
  );
  for (const f of failed) t.regex(f.error!.message, /gave up after 1 deliveries/);
  t.is(failed.length + outcomes.filter((o) => o.state === 'SUCCEEDED').length, ids.length);
});
