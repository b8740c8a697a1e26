// Worker discovery through the NATS service API: $SRV.INFO gives each worker's metadata (id, providers, models),
// $SRV.STATS its counters and the onnxfleet stats object the worker puts in its endpoints' `data`.
import { Svcm, type ServiceInfo, type ServiceStats } from '@nats-io/services';
import type { FleetConnection } from './connection.js';
import { isNoResponders } from './nats-errors.js';

// @nats-io/services bundles its own (older) nats-core; the connection object is the same at run time.
type ServicesConnection = ConstructorParameters<typeof Svcm>[0];

/** Per-model counters a worker reports. */
export interface WorkerModelStats {
  name: string;
  version: string;
  requests: number;
  errors: number;
}

/** One endpoint of the worker's service (an infer subject, the jobs consumer, ...). */
export interface WorkerEndpoint {
  name: string;
  subject: string;
  requests: number;
  errors: number;
  averageProcessingMs: number;
}

/** A worker as the service API describes it. */
export interface WorkerSummary {
  /** The worker's own id (metadata `worker_id`; the service instance id when absent). */
  workerId: string;
  /** The service instance id ($SRV.*.<name>.<id> addresses this worker alone). */
  serviceId: string;
  version: string;
  providers: string[];
  /** Models the worker serves. */
  models: string[];
  /** All service metadata, as published. */
  metadata: Record<string, string>;
  /** From $SRV.STATS, when the worker answered it. */
  stats?: {
    started: string;
    queueDepth: number;
    inFlight: number;
    draining: boolean;
    models: WorkerModelStats[];
    endpoints: WorkerEndpoint[];
  };
}

export interface WorkersOptions {
  /** How long to wait for the first answer (and for stragglers after it). Default 1000 ms. */
  timeoutMs?: number;
}

function list(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

interface StatsData {
  workerId?: unknown;
  models?: unknown;
  queueDepth?: unknown;
  inFlight?: unknown;
  draining?: unknown;
}

/** The onnxfleet stats object from an endpoint's `data` (a JSON object; a string holding JSON is accepted). */
function statsData(data: unknown): StatsData | undefined {
  let d = data;
  if (typeof d === 'string') {
    try {
      d = JSON.parse(d);
    } catch {
      return undefined;
    }
  }
  return d && typeof d === 'object' && !Array.isArray(d) ? (d as StatsData) : undefined;
}

function statsOf(s: ServiceStats): WorkerSummary['stats'] {
  const endpoints = s.endpoints ?? [];
  const data = endpoints.map((e) => statsData(e.data)).find((d) => d !== undefined) ?? {};
  const models = Array.isArray(data.models) ? (data.models as Record<string, unknown>[]) : [];
  return {
    started: s.started,
    queueDepth: n(data.queueDepth),
    inFlight: n(data.inFlight),
    draining: data.draining === true,
    models: models.map((m) => ({
      name: String(m.name ?? ''),
      version: String(m.version ?? ''),
      requests: n(m.requests),
      errors: n(m.errors),
    })),
    endpoints: endpoints.map((e) => ({
      name: e.name,
      subject: e.subject,
      requests: n(e.num_requests),
      errors: n(e.num_errors),
      averageProcessingMs: n(e.average_processing_time) / 1e6,
    })),
  };
}

/** Every answer; none when no service of that name runs (the server's no-responders status). */
async function collect<T>(query: () => Promise<AsyncIterable<T>>): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const x of await query()) out.push(x);
  } catch (e) {
    if (!isNoResponders(e)) throw e;
  }
  return out;
}

/** Every worker that answers the service API within the timeout, sorted by worker id. */
export async function listWorkers(
  conn: FleetConnection,
  options: WorkersOptions = {},
): Promise<WorkerSummary[]> {
  const client = new Svcm(conn.nc as unknown as ServicesConnection).client({
    strategy: 'stall',
    maxWait: options.timeoutMs ?? 1000,
  });
  const name = conn.names.serviceName;
  const [infos, stats] = await Promise.all([
    collect<ServiceInfo>(() => client.info(name)),
    collect<ServiceStats>(() => client.stats(name)),
  ]);
  const statsById = new Map(stats.map((s) => [s.id, s]));
  return infos
    .map((info): WorkerSummary => {
      const metadata = info.metadata ?? {};
      const s = statsById.get(info.id);
      return {
        workerId: metadata.worker_id || info.id,
        serviceId: info.id,
        version: info.version,
        providers: list(metadata.providers),
        models: list(metadata.models),
        metadata,
        ...(s ? { stats: statsOf(s) } : {}),
      };
    })
    .sort((a, b) => a.workerId.localeCompare(b.workerId));
}
