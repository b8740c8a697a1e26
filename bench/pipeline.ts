// `npm run bench:pipeline`: throughput of a model split into a 2-stage pipeline across 2 worker processes
// against one worker running the whole model (bert_small by default). Real nats-server, coordinator and
// workers (from dist/; run `npm run prepare` first). Progress on stderr; the report (Markdown) on stdout.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { connect, type FleetClient, type Tensor } from '../client/index.js';
import { currentPlacements } from '../coordinator/cluster-view.js';
import { Tensor as EngineTensor } from '../engine/tensor.js';
import { findModel, makeInputs, modelsUnavailable } from '../test/helpers/models.js';
import { startNatsServer } from '../test/helpers/nats-server.js';
import { startCoordinator, startWorker } from '../test/helpers/worker-process.js';
import { machineLines } from './machine.js';
import { fmt, markdownTable } from './table.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'bert_small' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '8' },
  },
});
const log = (s: string) => process.stderr.write(s + '\n');

async function placed(
  client: FleetClient,
  name: string,
  check: (p: { workers: string[]; stages: { workers: string[] }[] }) => boolean,
) {
  for (let i = 0; i < 600; i++) {
    const p = (await currentPlacements(client.connection)).get(name);
    if (p && check(p)) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} was not placed in 60 s`);
}

async function throughput(
  client: FleetClient,
  model: string,
  feeds: Record<string, Tensor>,
  clients: number,
  seconds: number,
) {
  // Warm up until it answers (stage workers may still be loading).
  for (let i = 0; ; i++) {
    try {
      await client.infer(model, feeds, { timeoutMs: 30_000 });
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await client.infer(model, feeds, { timeoutMs: 60_000 });
        lat.push(performance.now() - t0);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return {
    rps: lat.length / ((performance.now() - start) / 1000),
    p50: lat[lat.length >> 1],
    p99: lat[Math.floor(lat.length * 0.99)],
  };
}

async function main(): Promise<void> {
  const why = modelsUnavailable();
  if (why) throw new Error(why);
  const model = findModel(args.model!);
  const feeds = Object.fromEntries(
    Object.entries(makeInputs(model, 1)).map(([k, v]) => [k, new EngineTensor(v.type, v.data, v.dims)]),
  ) as Record<string, Tensor>;
  const server = await startNatsServer();
  const coordinator = await startCoordinator(server.url, ['--interval-ms', '300'], { built: true });
  const intra = Math.max(1, Math.floor(availableParallelism() / 2));
  const workerArgs = ['--threads', '1', '--intra-op', String(intra), '--no-jobs'];
  const workers = [
    await startWorker(server.url, workerArgs, { built: true }),
    await startWorker(server.url, workerArgs, { built: true }),
  ];
  const client = await connect({ servers: server.url });
  const clients = Number(args.clients);
  const seconds = Number(args.seconds);
  try {
    await client.pushModel(model.path, { name: 'whole', replicas: 1 });
    await placed(client, 'whole', (p) => p.workers.length === 1);
    log('whole model on one worker');
    const whole = await throughput(client, 'whole', feeds, clients, seconds);
    await client.pushModel(model.path, { name: 'split', stages: 2 });
    const p = await placed(
      client,
      'split',
      (p) => p.stages.length === 2 && p.stages.every((s) => s.workers.length === 1),
    );
    log(`2-stage pipeline on workers ${p.stages.map((s) => s.workers[0]).join(' -> ')}`);
    const split = await throughput(client, 'split', feeds, clients, seconds);
    console.log(
      `## Pipeline benchmark: ${model.name}, batch 1, ${clients} concurrent clients, ${seconds} s\n`,
    );
    console.log(machineLines().join('\n') + '\n');
    console.log(
      markdownTable(
        ['serving', 'workers', 'req/s', 'p50 ms', 'p99 ms'],
        [
          [
            'whole model, one worker',
            `1 x (1 thread x intra-op ${intra})`,
            fmt(whole.rps, 1),
            fmt(whole.p50),
            fmt(whole.p99),
          ],
          [
            '2-stage pipeline',
            `2 x (1 thread x intra-op ${intra})`,
            fmt(split.rps, 1),
            fmt(split.p50),
            fmt(split.p99),
          ],
        ],
      ),
    );
    console.log(`\npipeline / whole throughput: ${fmt(split.rps / whole.rps)}`);
  } finally {
    await client.close();
    await Promise.all(workers.map((w) => w.stop()));
    await coordinator.stop();
    await server.stop();
  }
}

await main();
