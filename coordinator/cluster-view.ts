// What the coordinator reads from NATS each round: live workers, the newest version of every model, and the
// placement it wrote before (which survives its restarts).
import type { FleetConnection } from '../client/connection.js';
import {
  modelPlacementCodec,
  modelRefCodec,
  workerInfoCodec,
  type ModelPlacement,
  type ModelRef,
  type WorkerInfo,
} from '../protocol/index.js';

/** Workers whose heartbeat is recent (the KV TTL drops silent ones too, this catches clock-late entries). */
export async function liveWorkers(conn: FleetConnection, deadAfterMs: number): Promise<WorkerInfo[]> {
  const kv = await conn.kv(conn.names.workersBucket);
  const out: WorkerInfo[] = [];
  const now = Date.now();
  for await (const key of await kv.keys()) {
    const e = await kv.get(key);
    if (!e || e.operation !== 'PUT' || !e.value.byteLength) continue;
    try {
      const w = workerInfoCodec.decode(e.value);
      if (!w.draining && now - w.heartbeatUnixMs <= deadAfterMs) out.push(w);
    } catch {
      /* a worker of another protocol version: not ours to place on */
    }
  }
  return out.sort((a, b) => a.workerId.localeCompare(b.workerId));
}

/** The `latest` entry of every model name in the index (stage models the coordinator pushed excluded). */
export async function latestModels(conn: FleetConnection): Promise<ModelRef[]> {
  const kv = await conn.modelIndex();
  const out: ModelRef[] = [];
  for await (const key of await kv.keys()) {
    if (!key.endsWith('.latest') || isStageModelName(key.slice(0, -'.latest'.length))) continue;
    const e = await kv.get(key);
    if (e && e.operation === 'PUT' && e.value.byteLength) out.push(modelRefCodec.decode(e.value));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function currentPlacements(conn: FleetConnection): Promise<Map<string, ModelPlacement>> {
  const kv = await conn.kv(conn.names.placementBucket);
  const out = new Map<string, ModelPlacement>();
  for await (const key of await kv.keys()) {
    const e = await kv.get(key);
    if (e && e.operation === 'PUT' && e.value.byteLength) out.set(key, modelPlacementCodec.decode(e.value));
  }
  return out;
}

/** Index name of stage k of K of a model (the coordinator pushes these; users never address them). */
export function stageModelName(model: string, k: number, count: number): string {
  return `${model}--stage-${k}-of-${count}`;
}

export function isStageModelName(name: string): boolean {
  return /--stage-\d+-of-\d+$/.test(name);
}
