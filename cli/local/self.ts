// Starts this same `onnxfleet` CLI as a child process (the same Node flags, so it also works from sources
// under tsx), for `onnxfleet up` and the demo.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  proc: ChildProcess;
  name: string;
  /** Resolves once a stdout line matches `ready` (rejects if it exits first). */
  ready: Promise<string>;
}

export function spawnSelf(
  name: string,
  args: string[],
  ready: RegExp,
  onLine?: (line: string) => void,
): Child {
  const proc = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  let tail = '';
  const readyPromise = new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      let i: number;
      while ((i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i);
        out = out.slice(i + 1);
        onLine?.(line);
        const m = ready.exec(line);
        if (m) resolve(m[1] ?? line);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
      for (const line of d.toString().split('\n')) if (line.trim()) onLine?.(line);
    });
    proc.on('exit', (code, signal) =>
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${tail}`)),
    );
  });
  readyPromise.catch(() => undefined);
  return { proc, name, ready: readyPromise };
}
