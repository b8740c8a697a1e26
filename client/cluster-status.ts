// A snapshot of the cluster for `onnxfleet status`: workers (presence), models (index), placement and the
// depth of every durable-job queue.
import {
  modelPlacementCodec,
  workerInfoCodec,
  type ModelPlacement,
  type ModelRef,
  type WorkerInfo,
} from '../protocol/index.js';
import type { FleetConnection } from './connection.js';
import { listModels } from './models.js';

export interface QueueDepth {
  model: string;
  /** Jobs waiting to be delivered. */
  pending: number;
  /** Jobs delivered and not yet acknowledged (running). */
  running: number;
}

export interface ClusterStatus {
  workers: WorkerInfo[];
  models: ModelRef[];
  placements: ModelPlacement[];
  queues: QueueDepth[];
}

export async function clusterStatus(conn: FleetConnection): Promise<ClusterStatus> {
  const names = conn.names;
  const workers: WorkerInfo[] = [];
  const wkv = await conn.kv(names.workersBucket);
  for await (const key of await wkv.keys()) {
    const e = await wkv.get(key);
    if (e?.operation === 'PUT' && e.value.byteLength) workers.push(workerInfoCodec.decode(e.value));
  }
  const placements: ModelPlacement[] = [];
  const pkv = await conn.kv(names.placementBucket);
  for await (const key of await pkv.keys()) {
    const e = await pkv.get(key);
    if (e?.operation === 'PUT' && e.value.byteLength) placements.push(modelPlacementCodec.decode(e.value));
  }
  const queues: QueueDepth[] = [];
  try {
    const jsm = await conn.manager();
    for await (const c of jsm.consumers.list(names.jobsStream)) {
      const model = (c.config.filter_subject ?? '').split('.').pop() ?? c.name;
      queues.push({ model, pending: c.num_pending, running: c.num_ack_pending });
    }
  } catch {
    /* no jobs stream yet */
  }
  return {
    workers: workers.sort((a, b) => a.workerId.localeCompare(b.workerId)),
    models: (await listModels(conn)).filter((m) => !/--stage-\d+-of-\d+$/.test(m.name)),
    placements: placements.sort((a, b) => a.model.localeCompare(b.model)),
    queues,
  };
}
