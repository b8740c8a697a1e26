// Starts a real nats-server with JetStream on a random loopback port and a temporary store directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its store. */
  stop(): Promise<void>;
}

export function natsServerAvailable(): string | undefined {
  const r = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  return r.error ? 'nats-server is not on the PATH (apt-get install nats-server)' : undefined;
}

export async function startNatsServer(options: { maxPayload?: number } = {}): Promise<NatsServer> {
  const storeDir = mkdtempSync(join(tmpdir(), 'onnxfleet-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', storeDir];
  if (options.maxPayload) {
    // nats-server 2.9 (Debian's) has no --max_payload flag; the config file works on every version.
    const conf = join(storeDir, 'server.conf');
    writeFileSync(conf, `max_payload: ${options.maxPayload}\n`);
    args.push('-c', conf);
  }
  const proc = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
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
    stop: () => stopProcess(proc).then(() => rmSync(storeDir, { recursive: true, force: true })),
  };
}

export async function stopProcess(proc: ChildProcess, graceMs = 5000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
