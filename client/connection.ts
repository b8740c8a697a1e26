// One NATS connection plus the JetStream handles, buckets and streams onnxfleet uses. Shared by the client SDK,
// the worker and the coordinator, so every process creates streams and buckets with the same settings.
import {
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { Names, UnavailableError } from '../protocol/index.js';

export interface ConnectOptions {
  /** NATS server URL(s). Default: $NATS_URL or nats://127.0.0.1:4222. */
  servers?: string | string[];
  /** Subject/bucket prefix. Default: onnxfleet. */
  prefix?: string;
  /** Connection name shown by the server's monitoring. */
  name?: string;
  user?: string;
  pass?: string;
  token?: string;
  /**
   * How a message larger than the server's max_payload travels: through the Object Store (default) or not at
   * all (a PayloadTooLargeError naming the sizes).
   */
  largeMessages?: 'object-store' | 'reject';
  /** How long results of durable jobs are kept. Default 24 h. */
  resultTtlMs?: number;
  /** Reconnect forever (servers) or give up after the first failure (tools). Default: true. */
  reconnect?: boolean;
}

const DAY_MS = 24 * 3600 * 1000;

export function defaultServers(): string {
  return process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
}

export class FleetConnection {
  readonly js: JetStreamClient;
  private jsmPromise?: Promise<JetStreamManager>;
  private readonly stores = new Map<string, Promise<ObjectStore>>();
  private readonly kvs = new Map<string, Promise<KV>>();
  private streamsReady?: Promise<void>;

  private constructor(
    readonly nc: NatsConnection,
    readonly names: Names,
    readonly options: ConnectOptions,
  ) {
    this.js = jetstream(nc);
  }

  static async open(options: ConnectOptions = {}): Promise<FleetConnection> {
    const names = new Names(options.prefix);
    const servers = options.servers ?? defaultServers();
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers,
        name: options.name,
        user: options.user,
        pass: options.pass,
        token: options.token,
        maxReconnectAttempts: options.reconnect === false ? 0 : -1,
        reconnectTimeWait: 500,
      });
    } catch (e) {
      throw new UnavailableError(
        `cannot reach NATS at ${[servers].flat().join(', ')}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    return new FleetConnection(nc, names, options);
  }

  /** The server's max_payload (bytes a single message may carry). */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  get allowLargeMessages(): boolean {
    return (this.options.largeMessages ?? 'object-store') === 'object-store';
  }

  manager(): Promise<JetStreamManager> {
    return (this.jsmPromise ??= jetstreamManager(this.nc));
  }

  /** An Object Store bucket, created on first use (creation is idempotent across processes). */
  objectStore(bucket: string, ttlMs?: number): Promise<ObjectStore> {
    let p = this.stores.get(bucket);
    if (!p) {
      p = new Objm(this.nc).create(bucket, {
        storage: StorageType.File,
        ...(ttlMs ? { ttl: nanos(ttlMs) } : {}),
      });
      this.stores.set(bucket, p);
      p.catch(() => this.stores.delete(bucket));
    }
    return p;
  }

  /** A KV bucket, created on first use. */
  kv(bucket: string, options: { ttlMs?: number; history?: number } = {}): Promise<KV> {
    let p = this.kvs.get(bucket);
    if (!p) {
      p = new Kvm(this.nc).create(bucket, {
        history: options.history ?? 1,
        ...(options.ttlMs ? { ttl: options.ttlMs } : {}),
      });
      this.kvs.set(bucket, p);
      p.catch(() => this.kvs.delete(bucket));
    }
    return p;
  }

  /** Model files, content-addressed by sha256. */
  models(): Promise<ObjectStore> {
    return this.objectStore(this.names.modelsBucket);
  }

  /** name.version -> ModelRef. */
  modelIndex(): Promise<KV> {
    return this.kv(this.names.modelIndexBucket, { history: 5 });
  }

  /** Oversized messages (kept a day at most; receivers delete what they consumed). */
  blobs(): Promise<ObjectStore> {
    return this.objectStore(this.names.blobsBucket, DAY_MS);
  }

  /** The durable-job work queue and the results stream (idempotent). */
  ensureJobStreams(): Promise<void> {
    this.streamsReady ??= (async () => {
      const jsm = await this.manager();
      const n = this.names;
      await addOrUpdateStream(jsm, {
        name: n.jobsStream,
        subjects: [n.allJobs],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        duplicate_window: nanos(10 * 60 * 1000),
      });
      await addOrUpdateStream(jsm, {
        name: n.resultsStream,
        subjects: [n.allResults],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_msgs_per_subject: 1,
        max_age: nanos(this.options.resultTtlMs ?? DAY_MS),
        duplicate_window: nanos(10 * 60 * 1000),
      });
    })();
    this.streamsReady.catch(() => (this.streamsReady = undefined));
    return this.streamsReady;
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}

type StreamConfig = Parameters<JetStreamManager['streams']['add']>[0];

async function addOrUpdateStream(jsm: JetStreamManager, config: StreamConfig): Promise<void> {
  try {
    await jsm.streams.info(config.name!);
  } catch {
    try {
      await jsm.streams.add(config);
    } catch (e) {
      // Another process created it between our info and add.
      if (!/already in use|exists/i.test((e as Error).message)) throw e;
    }
  }
}
