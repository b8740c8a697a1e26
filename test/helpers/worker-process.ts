// Real `onnxfleet worker` and `onnxfleet coordinator` processes for end-to-end tests and benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stopProcess } from './nats-server.js';

const CLI = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const BUILT_CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface WorkerProcess {
  proc: ChildProcess;
  id: string;
  /** Everything it logged (stdout and stderr), for failure messages. */
  log(): string;
  /** SIGTERM (graceful drain); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no drain, no goodbye. */
  kill(): Promise<void>;
}

export interface StartWorkerOptions {
  env?: NodeJS.ProcessEnv;
  /** Run dist/ (what users run; `npm run prepare` builds it) instead of the sources through tsx. */
  built?: boolean;
}

/** Starts `onnxfleet worker` and waits for its ready line. */
export function startWorker(
  natsUrl: string,
  args: string[],
  options: StartWorkerOptions = {},
): Promise<WorkerProcess> {
  return startCli('worker', natsUrl, args, /worker (\S+) ready/, options);
}

/** Starts `onnxfleet coordinator` and waits for its ready line. */
export function startCoordinator(
  natsUrl: string,
  args: string[] = [],
  options: StartWorkerOptions = {},
): Promise<WorkerProcess> {
  return startCli('coordinator', natsUrl, args, /(coordinator) ready/, options);
}

async function startCli(
  command: string,
  natsUrl: string,
  args: string[],
  ready: RegExp,
  options: StartWorkerOptions,
): Promise<WorkerProcess> {
  if (options.built && !existsSync(BUILT_CLI)) {
    throw new Error(`${BUILT_CLI} is missing: run \`npm run prepare\` first`);
  }
  const entry = options.built ? [BUILT_CLI] : ['--import', 'tsx', CLI];
  const proc = spawn(
    process.execPath,
    [...entry, command, '--nats', natsUrl, '--log-level', 'warn', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    },
  );
  let output = '';
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} did not become ready in 60 s:\n${output}`)),
      60_000,
    );
    proc.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    id,
    log: () => output,
    stop: async () => {
      await stopProcess(proc, 30_000);
      return exited;
    },
    kill: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
