// Peak resident memory of one runtime running one model, measured in a fresh child process.
// Run directly, this file is the child: it prints one JSON line { peakKiB, maxRssKiB, source } and exits.
//
// On Linux the child's process.resourceUsage().maxRSS is not its own peak: the kernel carries the parent's
// high-water mark across fork+exec (a child of a 800 MiB parent reports ~800 MiB even when it used 40), so
// the child reads VmHWM from /proc/self/status, which belongs to its own address space. maxRSS is the
// fallback where /proc is absent.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findModel, makeInputs } from '../test/helpers/models.js';
import { openSession, type RuntimeName } from './runtimes.js';

const SELF = fileURLToPath(import.meta.url);

export interface MemoryJob {
  runtime: RuntimeName | 'none';
  model: string;
  batch: number;
  threads: number;
  runs: number;
}

/** Spawns the child and resolves with its peak RSS in MiB; rejects with the child's last stderr line. */
export function peakRssMiB(job: MemoryJob): Promise<number> {
  const tsx = import.meta.resolve('tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, SELF, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as { peakKiB?: number; error?: string };
        if (r.peakKiB !== undefined) return resolve(r.peakKiB / 1024);
        return reject(new Error(r.error ?? `memory child exited ${code}`));
      } catch {
        const last = err.trim().split('\n').filter(Boolean).pop() ?? `exit ${code}`;
        reject(new Error(`memory child failed: ${last}`));
      }
    });
  });
}

async function child(job: MemoryJob): Promise<void> {
  if (job.runtime !== 'none') {
    const model = findModel(job.model);
    const { session } = await openSession(job.runtime, model.path, job.threads);
    const run = session.bind(makeInputs(model, job.batch));
    for (let i = 0; i < job.runs; i++) await run();
    await session.release();
  }
  const maxRssKiB = process.resourceUsage().maxRSS; // KiB
  const hwm = vmHwmKiB();
  const result = { peakKiB: hwm ?? maxRssKiB, maxRssKiB, source: hwm === undefined ? 'maxRSS' : 'VmHWM' };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function vmHwmKiB(): number | undefined {
  try {
    const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

if (process.argv[1] === SELF) {
  child(JSON.parse(process.argv[2]) as MemoryJob).catch((e: Error) => {
    process.stdout.write(JSON.stringify({ error: e.message.split('\n')[0] }) + '\n');
    process.exitCode = 1;
  });
}
