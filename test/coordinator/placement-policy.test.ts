// The placement policy as a pure function: budgets, replicas, stickiness, dead workers, stage spreading.
import test from 'ava';
import { decidePlacement, type ModelRecord, type StagePlan } from '../../coordinator/placement-policy.js';
import type { ModelPlacement, WorkerInfo } from '../../protocol/index.js';

const MiB = 2 ** 20;

function worker(id: string, budgetMiB: number): WorkerInfo {
  return {
    workerId: id,
    hostname: 'h',
    pid: 1,
    providers: ['cpu'],
    poolThreads: 1,
    intraOpThreads: 1,
    models: [],
    memoryTotalBytes: 8 * 1024 * MiB,
    rssBytes: 0,
    queueDepth: 0,
    inFlight: 0,
    startedUnixMs: 0,
    draining: false,
    maxQueue: 1,
    heartbeatUnixMs: Date.now(),
    memoryBudgetBytes: budgetMiB * MiB,
  };
}

function model(name: string, weightMiB: number, extra: Partial<ModelRecord> = {}): ModelRecord {
  return {
    name,
    version: '1',
    sha256: `sha-${name}`,
    weightBytes: weightMiB * MiB,
    flops: 1e9,
    outputs: ['y'],
    stages: 0,
    replicas: 0,
    ...extra,
  };
}

const none = () => ({
  current: new Map<string, ModelPlacement>(),
  rates: new Map<string, number>(),
  plans: new Map<string, StagePlan>(),
});

test('whole models get two replicas by default, within every budget', (t) => {
  const workers = [worker('a', 100), worker('b', 100), worker('c', 60)];
  const out = decidePlacement({ ...none(), models: [model('m1', 50), model('m2', 40)], workers });
  t.is(out.get('m1')!.workers.length, 2);
  t.is(out.get('m2')!.workers.length, 2);
  const used = new Map<string, number>();
  for (const [name, p] of out)
    for (const w of p.workers) used.set(w, (used.get(w) ?? 0) + (name === 'm1' ? 50 : 40));
  for (const w of workers)
    t.true((used.get(w.workerId) ?? 0) <= w.memoryBudgetBytes / MiB, `${w.workerId} over budget`);
});

test('a placement stays where it is while its workers live, and moves off a dead one', (t) => {
  const workers = [worker('a', 100), worker('b', 100), worker('c', 100)];
  const m = model('m', 10, { replicas: 2 });
  const current = new Map<string, ModelPlacement>([
    [
      'm',
      {
        model: 'm',
        version: '1',
        sha256: 'sha-m',
        workers: ['b', 'c'],
        stages: [],
        graphOutputs: ['y'],
        updatedUnixMs: 0,
        reason: '',
      },
    ],
  ]);
  const same = decidePlacement({ ...none(), current, models: [m], workers });
  t.deepEqual(same.get('m')!.workers, ['b', 'c']);
  const afterDeath = decidePlacement({
    ...none(),
    current,
    models: [m],
    workers: workers.filter((w) => w.workerId !== 'c'),
  });
  t.deepEqual([...afterDeath.get('m')!.workers].sort(), ['a', 'b']);
});

test('demand adds replicas; an explicit replica count wins', (t) => {
  const workers = ['a', 'b', 'c', 'd'].map((id) => worker(id, 100));
  const heavy = model('m', 1, { flops: 25e9 }); // ~1 request/s per thread
  const busy = decidePlacement({ ...none(), rates: new Map([['m', 2.5]]), models: [heavy], workers });
  t.is(busy.get('m')!.workers.length, 4);
  const pinned = decidePlacement({
    ...none(),
    rates: new Map([['m', 2.5]]),
    models: [{ ...heavy, replicas: 1 }],
    workers,
  });
  t.is(pinned.get('m')!.workers.length, 1);
});

test('a model that fits no worker is unplaced with the reason; its stages go to distinct workers', (t) => {
  const workers = [worker('a', 30), worker('b', 30), worker('c', 30)];
  const big = model('big', 50);
  t.deepEqual(decidePlacement({ ...none(), models: [big], workers }).get('big')!.workers, []);
  t.regex(decidePlacement({ ...none(), models: [big], workers }).get('big')!.reason, /fits no live worker/);
  const plan: StagePlan = {
    stages: [0, 1].map((index) => ({
      index,
      modelName: `big--stage-${index}-of-2`,
      version: '1-x',
      sha256: `s${index}`,
      inputs: [],
      outputs: [],
      weightBytes: 25 * MiB,
      flops: 1,
    })),
  };
  const split = decidePlacement({ ...none(), plans: new Map([['big', plan]]), models: [big], workers });
  const stageWorkers = split.get('big')!.stages.map((s) => s.workers[0]);
  t.is(stageWorkers.length, 2);
  t.not(stageWorkers[0], stageWorkers[1]);
  t.true(stageWorkers.every(Boolean));
});
