// The fleet's metric instruments, on the global meter (@opentelemetry/api): a no-op until setupTelemetry
// installs a meter provider, then exported wherever it says (Prometheus). Names are Prometheus names already.
import { type Counter, type Gauge, type Histogram, type MeterProvider, metrics } from '@opentelemetry/api';
import type { RunProfile } from '../engine/index.js';

const SCOPE = 'onnxfleet';
/** Request and stage latencies: 0.5 ms to 30 s. */
const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
const LOAD_BUCKETS_S = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** Metric names as Prometheus shows them. */
export const METRIC = {
  requests: 'onnxfleet_requests_total',
  requestDuration: 'onnxfleet_request_duration_seconds',
  batchSize: 'onnxfleet_batch_size',
  queueDepth: 'onnxfleet_queue_depth',
  opTime: 'onnxfleet_op_time_seconds_total',
  poolUtilization: 'onnxfleet_pool_utilization_ratio',
  arenaBytes: 'onnxfleet_arena_bytes',
  modelLoadDuration: 'onnxfleet_model_load_duration_seconds',
  clusterWorkers: 'onnxfleet_cluster_workers',
  clusterModels: 'onnxfleet_cluster_models',
  placementChanges: 'onnxfleet_placement_changes_total',
} as const;

export interface FleetMetrics {
  /** One finished request: its model, its status ('ok' or an error code) and its latency. */
  recordRequest(model: string, status: string, ms: number): void;
  /** The number of requests one batched run served. */
  recordBatch(model: string, size: number): void;
  /** Requests waiting in a queue (a model's batcher, a job stream, a pool). */
  setQueueDepth(queue: string, depth: number): void;
  /** Node time of one profiled run, summed per op type (from session.lastRunProfile). */
  recordRunProfile(model: string, provider: string, profile: RunProfile): void;
  /** Busy share of a thread pool, 0 to 1. */
  setPoolUtilization(pool: string, busy: number): void;
  /** Arena bytes a model's runs use (peak of the last run), per device. */
  setArenaBytes(model: string, bytes: number, device?: string): void;
  /** Time to fetch, load and compile a model. */
  recordModelLoad(model: string, provider: string, ms: number): void;
  /** One coordinator placement round: live workers, models by state, placements it changed. */
  recordPlacementRound(round: {
    workers: number;
    placed: number;
    split: number;
    unplaced: number;
    changes: number;
  }): void;
}

interface Instruments {
  requests: Counter;
  requestDuration: Histogram;
  batchSize: Histogram;
  queueDepth: Gauge;
  opTime: Counter;
  poolUtilization: Gauge;
  arenaBytes: Gauge;
  modelLoadDuration: Histogram;
  clusterWorkers: Gauge;
  clusterModels: Gauge;
  placementChanges: Counter;
}

function instruments(): Instruments {
  const meter = metrics.getMeter(SCOPE);
  return {
    requests: meter.createCounter('onnxfleet_requests', {
      description: 'Inference requests finished, by model and status',
    }),
    requestDuration: meter.createHistogram(METRIC.requestDuration, {
      description: 'Inference request latency, by model and status',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_S },
    }),
    batchSize: meter.createHistogram(METRIC.batchSize, {
      description: 'Requests served by one batched run, by model',
      advice: { explicitBucketBoundaries: BATCH_BUCKETS },
    }),
    queueDepth: meter.createGauge(METRIC.queueDepth, { description: 'Requests waiting, by queue' }),
    opTime: meter.createCounter('onnxfleet_op_time_seconds', {
      description: 'Graph node time of profiled runs, by model, op type and provider',
      unit: 's',
    }),
    poolUtilization: meter.createGauge(METRIC.poolUtilization, {
      description: 'Busy share of a thread pool (0 to 1), by pool',
    }),
    arenaBytes: meter.createGauge(METRIC.arenaBytes, {
      description: 'Arena bytes of the last run, by model and device',
      unit: 'By',
    }),
    modelLoadDuration: meter.createHistogram(METRIC.modelLoadDuration, {
      description: 'Time to load and compile a model, by model and provider',
      unit: 's',
      advice: { explicitBucketBoundaries: LOAD_BUCKETS_S },
    }),
    clusterWorkers: meter.createGauge(METRIC.clusterWorkers, {
      description: 'Live workers (recent heartbeat), as the coordinator sees them',
    }),
    clusterModels: meter.createGauge(METRIC.clusterModels, {
      description: 'Models in the index by placement state (placed, split, unplaced)',
    }),
    placementChanges: meter.createCounter('onnxfleet_placement_changes', {
      description: 'Placement entries the coordinator rewrote (model moved, replicas changed, split)',
    }),
  };
}

let cached: { provider: MeterProvider; metrics: FleetMetrics } | undefined;

/** The fleet's metrics, bound to the meter provider installed now (rebound if setupTelemetry runs later). */
export function fleetMetrics(): FleetMetrics {
  const provider = metrics.getMeterProvider();
  if (cached?.provider !== provider) cached = { provider, metrics: bind(instruments()) };
  return cached.metrics;
}

function bind(i: Instruments): FleetMetrics {
  return {
    recordRequest(model, status, ms) {
      i.requests.add(1, { model, status });
      i.requestDuration.record(ms / 1e3, { model, status });
    },
    recordBatch(model, size) {
      i.batchSize.record(size, { model });
    },
    setQueueDepth(queue, depth) {
      i.queueDepth.record(depth, { queue });
    },
    recordRunProfile(model, provider, profile) {
      const ns = new Map<string, number>();
      for (const n of profile.nodes) ns.set(n.opType, (ns.get(n.opType) ?? 0) + (n.endNs - n.startNs));
      for (const [opType, t] of ns) i.opTime.add(t / 1e9, { model, op_type: opType, provider });
    },
    setPoolUtilization(pool, busy) {
      i.poolUtilization.record(busy, { pool });
    },
    setArenaBytes(model, bytes, device = 'cpu') {
      i.arenaBytes.record(bytes, { model, device });
    },
    recordModelLoad(model, provider, ms) {
      i.modelLoadDuration.record(ms / 1e3, { model, provider });
    },
    recordPlacementRound(r) {
      i.clusterWorkers.record(r.workers);
      i.clusterModels.record(r.placed, { state: 'placed' });
      i.clusterModels.record(r.split, { state: 'split' });
      i.clusterModels.record(r.unplaced, { state: 'unplaced' });
      if (r.changes) i.placementChanges.add(r.changes);
    },
  };
}
