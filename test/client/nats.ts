// Shared setup for the client tests: one real nats-server per test file (skipped, with the reason, when the
// binary is missing) and clients on it that are closed after the file.
import test from 'ava';
import { connect, type ConnectOptions, type FleetClient } from '../../client/index.js';
import { natsServerAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.js';

export interface Suite {
  /** The running server (set in before()). */
  server: () => NatsServer;
  /** A client on the server; closed after the file. Each test gets its own prefix unless one is given. */
  client: (options?: ConnectOptions) => Promise<FleetClient>;
  /** `test`, or `test.skip` with the reason as the title suffix when there is no nats-server. */
  it: typeof test.serial;
}

let prefixes = 0;

/** A subject prefix no other test in this process uses (so tests do not see each other's streams). */
export function uniquePrefix(): string {
  return `t${process.pid}x${++prefixes}`;
}

export function natsSuite(options: { maxPayload?: number } = {}): Suite {
  const missing = natsServerAvailable();
  let server: NatsServer | undefined;
  const clients: FleetClient[] = [];
  if (!missing) {
    test.before(async () => {
      server = await startNatsServer(options);
    });
    test.after.always(async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await server?.stop();
    });
  }
  const it = (missing
    ? (title: string, ..._rest: unknown[]) => test.skip(`${title} (skipped: ${missing})`, () => {})
    : test) as unknown as typeof test.serial;
  return {
    server: () => server!,
    client: async (o = {}) => {
      const c = await connect({ servers: server!.url, prefix: uniquePrefix(), reconnect: false, ...o });
      clients.push(c);
      return c;
    },
    it,
  };
}
