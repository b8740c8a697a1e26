// `npm run bench:cluster`: the engine in-process against one worker over NATS on loopback (real nats-server,
// real worker process): p50/p99 latency and throughput at 1, 4 and 16 concurrent clients, batching on and
// off, pool threads x intra-op splits, and the worker's resident memory with 1 and 4 pool threads.
// Progress goes to stderr; the report (Markdown) goes to stdout.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { connect, type FleetClient } from '../client/index.js';
import { InferenceSession, type Tensor } from '../engine/index.js';
import { findModel, makeInputs, modelsUnavailable } from '../test/helpers/models.js';
import { startNatsServer } from '../test/helpers/nats-server.js';
import { startWorker } from '../test/helpers/worker-process.js';
import { machineLines } from './machine.js';
import { fmt, markdownTable } from './table.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'squeezenet1_1' },
    seconds: { type: 'string', default: '4' },
    clients: { type: 'string', default: '1,4,16' },
    memory: { type: 'boolean', default: true },
  },
});
const SECONDS = Number(args.seconds);
const CLIENTS = args.clients!.split(',').map(Number);
const CORES = availableParallelism();
const log = (s: string) => process.stderr.write(s + '\n');

interface Load {
  p50: number;
  p99: number;
  rps: number;
  batch?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** `clients` loops calling `call` back to back for SECONDS (after a short warm-up). */
async function drive(clients: number, call: () => Promise<number | undefined>): Promise<Load> {
  const warmEnd = performance.now() + 500;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < warmEnd) await call();
    }),
  );
  const lat: number[] = [];
  const batches: number[] = [];
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const b = await call();
        lat.push(performance.now() - t0);
        if (b !== undefined) batches.push(b);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return {
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    rps: lat.length / elapsed,
    batch: batches.length ? batches.reduce((a, b) => a + b, 0) / batches.length : undefined,
  };
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

async function main(): Promise<void> {
  const why = modelsUnavailable();
  if (why) throw new Error(why);
  const model = findModel(args.model!);
  const inputs = makeInputs(model, 1);
  const { Tensor: T } = await import('../engine/tensor.js');
  const feeds: Record<string, Tensor> = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, new T(v.type, v.data, v.dims)]),
  );
  const rows: string[][] = [];
  let bestInProcess = 0;
  let inProcessP50 = 0;

  for (const intra of [CORES, 1]) {
    const session = await InferenceSession.create(model.path, { intraOpNumThreads: intra });
    for (const c of CLIENTS) {
      log(`in-process intra-op ${intra}, ${c} clients`);
      const r = await drive(c, async () => {
        await session.run(feeds);
        return undefined;
      });
      if (intra === CORES && c === 1) inProcessP50 = r.p50;
      bestInProcess = Math.max(bestInProcess, r.rps);
      rows.push([
        'in-process',
        `intra-op ${intra}`,
        '-',
        String(c),
        fmt(r.p50),
        fmt(r.p99),
        fmt(r.rps, 1),
        '-',
      ]);
    }
    await session.release();
  }

  const server = await startNatsServer();
  const client: FleetClient = await connect({ servers: server.url });
  await client.pushModel(model.path, { name: 'bench' });
  let natsP50 = 0;
  let bestNats = 0;
  const configs = [
    { threads: 1, intra: CORES, batch: 1 },
    { threads: CORES, intra: 1, batch: 1 },
    { threads: CORES, intra: 1, batch: 8 },
    { threads: 1, intra: CORES, batch: 8 },
  ];
  try {
    for (const cfg of configs) {
      const w = await startWorker(
        server.url,
        [
          '--models',
          'bench',
          '--threads',
          String(cfg.threads),
          '--intra-op',
          String(cfg.intra),
          '--max-batch',
          String(cfg.batch),
          '--max-queue',
          '1024',
          '--no-jobs',
        ],
        { built: true },
      );
      for (const c of CLIENTS) {
        log(`worker ${cfg.threads}x${cfg.intra}, max batch ${cfg.batch}, ${c} clients`);
        const r = await drive(c, async () => (await client.inferWithInfo('bench', feeds)).info.batchSize);
        if (cfg.threads === 1 && cfg.batch === 1 && c === 1) natsP50 = r.p50;
        bestNats = Math.max(bestNats, r.rps);
        rows.push([
          'over NATS',
          `${cfg.threads} threads x intra-op ${cfg.intra}`,
          cfg.batch > 1 ? `on (max ${cfg.batch})` : 'off',
          String(c),
          fmt(r.p50),
          fmt(r.p99),
          fmt(r.rps, 1),
          fmt(r.batch, 2),
        ]);
      }
      await w.stop();
    }

    const memRows: string[][] = [];
    if (args.memory) {
      const weights = await InferenceSession.create(model.path).then(async (s) => {
        const b = s.weightBytes;
        await s.release();
        return b / 2 ** 20;
      });
      for (const threads of [1, 4]) {
        const w = await startWorker(server.url, [
          '--models',
          'bench',
          '--threads',
          String(threads),
          '--intra-op',
          '1',
          '--no-jobs',
        ]);
        const idle = rssOf(w.proc.pid!);
        await drive(threads, async () => {
          await client.infer('bench', feeds);
          return undefined;
        });
        const busy = rssOf(w.proc.pid!);
        memRows.push([
          String(threads),
          fmt(weights, 1),
          fmt(idle.rss, 1),
          fmt(busy.rss, 1),
          fmt(busy.hwm, 1),
        ]);
        await w.stop();
      }
    }

    console.log(`## Cluster benchmark: ${model.name}, batch 1 per request, ${SECONDS} s per cell\n`);
    console.log(machineLines().join('\n') + '\n');
    console.log(
      markdownTable(
        ['path', 'config', 'batching', 'clients', 'p50 ms', 'p99 ms', 'req/s', 'mean batch'],
        rows,
      ),
    );
    console.log(
      `\nover-NATS p50 overhead at 1 client: ${fmt(natsP50 - inProcessP50)} ms (worker 1 x intra-op ${CORES} vs in-process intra-op ${CORES})`,
    );
    console.log(
      `best throughput over NATS / best in-process: ${fmt(bestNats / bestInProcess)} (${fmt(bestNats, 1)} / ${fmt(bestInProcess, 1)} req/s)`,
    );
    if (memRows.length) {
      console.log('\nWorker resident memory (MiB) after serving at concurrency = pool threads:\n');
      console.log(
        markdownTable(['pool threads', 'weights', 'RSS idle', 'RSS after load', 'peak RSS'], memRows),
      );
    }
  } finally {
    await client.close();
    await server.stop();
  }
}

await main();
