// A snapshot of the cluster for `onnxfleet status`: workers (presence), models (index), placement and the
// depth of every durable-job queue.
import {
  isStageModelName,
  modelPlacementCodec,
  workerInfoCodec,
  type ModelPlacement,
  type ModelRef,
  type WorkerInfo,
} from '../protocol/index.js';
import type { FleetConnection } from './connection.js';
import { kvEntries } from './kv-entries.js';
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
  const workers = [...(await kvEntries(await conn.kv(names.workersBucket), workerInfoCodec.decode)).values()];
  const placements = [
    ...(await kvEntries(await conn.kv(names.placementBucket), modelPlacementCodec.decode)).values(),
  ];
  const queues = await jobQueueDepths(conn);
  return {
    workers: workers.sort((a, b) => a.workerId.localeCompare(b.workerId)),
    models: (await listModels(conn)).filter((m) => !isStageModelName(m.name)),
    placements: placements.sort((a, b) => a.model.localeCompare(b.model)),
    queues,
  };
}

/** Durable jobs waiting and running, per model consumer (empty before the first job stream exists). */
export async function jobQueueDepths(conn: FleetConnection): Promise<QueueDepth[]> {
  const queues: QueueDepth[] = [];
  try {
    const jsm = await conn.manager();
    for await (const c of jsm.consumers.list(conn.names.jobsStream)) {
      const model = (c.config.filter_subject ?? '').split('.').pop() ?? c.name;
      queues.push({ model, pending: c.num_pending, running: c.num_ack_pending });
    }
  } catch {
    /* no jobs stream yet */
  }
  return queues;
}
