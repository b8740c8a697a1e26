// Runs a nats-server with JetStream on this machine (for `onnxfleet up`, the demo, tests and benchmarks).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  proc: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL); removes the store unless it was given. */
  stop(): Promise<void>;
}

export interface NatsServerOptions {
  /** Client port; default -1 (a free one). */
  port?: number;
  /** JetStream store; default a fresh temporary directory, removed on stop. */
  storeDir?: string;
  maxPayload?: number;
  /** The binary; default `nats-server` from the PATH. */
  binary?: string;
}

const INSTALL_HINT =
  'install it with `sudo apt-get install nats-server` (Debian/Ubuntu) or from https://nats.io';

/** Undefined when nats-server can be run, else why not (with how to install it). */
export function natsServerAvailable(binary = 'nats-server'): string | undefined {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return r.error ? `${binary} is not on the PATH; ${INSTALL_HINT}` : undefined;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = options.binary ?? 'nats-server';
  const missing = natsServerAvailable(binary);
  if (missing) throw new Error(missing);
  const owned = options.storeDir === undefined;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'onnxfleet-nats-'));
  mkdirSync(storeDir, { recursive: true });
  const args = ['-js', '-a', '127.0.0.1', '-p', String(options.port ?? -1), '-sd', storeDir];
  if (options.maxPayload) {
    // nats-server 2.9 (Debian's) has no --max_payload flag; the config file works on every version.
    const conf = join(storeDir, 'server.conf');
    writeFileSync(conf, `max_payload: ${options.maxPayload}\n`);
    args.push('-c', conf);
  }
  const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start in 10 s:\n${log}`)), 10_000);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}:\n${log}`));
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const m = /Listening for client connections on [^:]+:(\d+)/.exec(log);
      if (m && /Server is ready/.test(log)) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  proc.stderr!.resume();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    proc,
    stop: async () => {
      await stopProcess(proc);
      if (owned) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopProcess(proc: ChildProcess, graceMs = 5000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
