// State shared by the parts of one worker process.
import type { Logger } from 'pino';
import type { FleetConnection } from '../client/connection.js';
import type { HostedModel } from './hosted-model.js';
import type { WorkerOptions } from './options.js';
import type { Scheduler } from './scheduler.js';

export interface WorkerContext {
  readonly conn: FleetConnection;
  readonly workerId: string;
  readonly options: WorkerOptions;
  readonly scheduler: Scheduler;
  readonly models: Map<string, HostedModel>;
  readonly log: Logger;
  draining: boolean;
  /** Requests being answered (awaited before the connection closes on drain). */
  readonly inflight: Set<Promise<unknown>>;
}
