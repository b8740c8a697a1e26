// What the coordinator reads from NATS each round: live workers, the newest version of every model, and the
// placement it wrote before (which survives its restarts).
import type { FleetConnection } from '../client/connection.js';
import { kvEntries } from '../client/kv-entries.js';
import {
  modelPlacementCodec,
  modelRefCodec,
  workerInfoCodec,
  type ModelPlacement,
  type ModelRef,
  type WorkerInfo,
  isStageModelName,
} from '../protocol/index.js';

/** Workers whose heartbeat is recent (the KV TTL drops silent ones too, this catches clock-late entries). */
export async function liveWorkers(conn: FleetConnection, deadAfterMs: number): Promise<WorkerInfo[]> {
  const now = Date.now();
  const all = await kvEntries(await conn.kv(conn.names.workersBucket), workerInfoCodec.decode);
  return [...all.values()]
    .filter((w) => !w.draining && now - w.heartbeatUnixMs <= deadAfterMs)
    .sort((a, b) => a.workerId.localeCompare(b.workerId));
}

/** The `latest` entry of every model name in the index (stage models the coordinator pushed excluded). */
export async function latestModels(conn: FleetConnection): Promise<ModelRef[]> {
  const latest = (key: string) =>
    key.endsWith('.latest') && !isStageModelName(key.slice(0, -'.latest'.length));
  const refs = await kvEntries(await conn.modelIndex(), modelRefCodec.decode, latest);
  return [...refs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export async function currentPlacements(conn: FleetConnection): Promise<Map<string, ModelPlacement>> {
  return kvEntries(await conn.kv(conn.names.placementBucket), modelPlacementCodec.decode);
}
