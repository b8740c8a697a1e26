// The worker's piscina pool: N threads over the one native engine of this process.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { RunResult, RunTask } from './tasks.js';

function threadFile(): { filename: string; workerData: Record<string, unknown> } {
  const compiled = new URL('./thread.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return { filename: compiled.href, workerData: {} };
  // Running from sources under tsx.
  return {
    filename: new URL('./ts-entry.mjs', import.meta.url).href,
    workerData: { threadEntry: new URL('./thread.ts', import.meta.url).href },
  };
}

export class EnginePool {
  private readonly pool: Piscina;
  readonly threads: number;

  constructor(threads: number) {
    const { filename, workerData } = threadFile();
    this.threads = threads;
    this.pool = new Piscina({
      filename,
      workerData,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // The scheduler only hands a task over when a thread is free, so piscina's own queue stays empty.
      maxQueue: threads * 4,
    });
  }

  run(task: RunTask): Promise<RunResult> {
    // Inputs are fresh copies owned by this task: move them instead of cloning.
    const transfer = task.inputs
      .map((t) => (ArrayBuffer.isView(t.data) ? (t.data.buffer as ArrayBuffer) : undefined))
      .filter((b): b is ArrayBuffer => b !== undefined);
    return this.pool.run(task, { transferList: transfer }) as Promise<RunResult>;
  }

  /**
   * Opens the model's session on the pool threads ahead of the first request (piscina spreads concurrent tasks
   * over idle threads), so no request pays for it.
   */
  async warm(modelKey: string, path: string, intraOpThreads: number): Promise<void> {
    const task: RunTask = { modelKey, path, intraOpThreads, inputs: [], outputs: [], openOnly: true };
    await Promise.all(Array.from({ length: this.threads }, () => this.pool.run(task)));
  }

  /** Fraction of the pool's threads busy over its lifetime (piscina's own measure). */
  get utilization(): number {
    return this.pool.utilization;
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
