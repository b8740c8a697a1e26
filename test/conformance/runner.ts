// Runs conformance cases in child processes so that a crash or hang costs one case, not the whole run.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Case } from './cases.js';
import { readExclusions } from './passing.js';
import type { CaseResult } from './run-case.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface RunnerOptions {
  parallel?: number;
  caseTimeoutMs?: number;
  onResult?: (r: CaseResult) => void;
}

function runBatch(ids: string[], timeoutMs: number, onResult: (r: CaseResult) => void): Promise<string[]> {
  // Resolves with the ids that did not finish (after a crash or timeout), minus the one that caused it.
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...ids], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    const done = new Set<string>();
    let current: string | undefined;
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (current) {
          onResult({ id: current, status: 'timeout', reason: `no result after ${timeoutMs} ms` });
          done.add(current);
        }
        child.kill('SIGKILL');
      }, timeoutMs);
    };
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg: { start?: string } & Partial<CaseResult>;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.start) {
        current = msg.start;
        arm();
      } else if (msg.id) {
        done.add(msg.id);
        current = undefined;
        onResult(msg as CaseResult);
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (current && !done.has(current)) {
        const tail = stderr.trim().split('\n').slice(-2).join(' | ');
        onResult({
          id: current,
          status: 'crash',
          reason: `worker died (${signal ?? code}): ${tail}`.slice(0, 400),
        });
        done.add(current);
      }
      resolvePromise(ids.filter((id) => !done.has(id)));
    });
    arm();
  });
}

export async function runCases(cases: Case[], opts: RunnerOptions = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const onResult = (r: CaseResult) => {
    results.push(r);
    opts.onResult?.(r);
  };
  const parallel = Math.max(1, opts.parallel ?? 2);
  const excluded = readExclusions();
  for (const c of cases) {
    const reason = excluded.get(c.id);
    if (reason !== undefined) onResult({ id: c.id, status: 'excluded', reason });
  }
  const queue = cases.map((c) => c.id).filter((id) => !excluded.has(id));
  const chunk = Math.max(1, Math.ceil(queue.length / (parallel * 4)));
  const lanes = Array.from({ length: parallel }, async () => {
    while (queue.length) {
      let batch = queue.splice(0, chunk);
      while (batch.length) batch = await runBatch(batch, opts.caseTimeoutMs ?? 60_000, onResult);
    }
  });
  await Promise.all(lanes);
  const order = new Map(cases.map((c, i) => [c.id, i]));
  return results.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}
