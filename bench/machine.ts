// What the benchmark ran on, for the report header.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export function machineLines(): string[] {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: keep os.cpus()'s name
  }
  let ortVersion = 'unknown';
  try {
    const require = createRequire(import.meta.url);
    ortVersion = (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    // the version is informational only
  }
  return [
    `date: ${new Date().toISOString()}`,
    `machine: ${availableParallelism()} cores (nproc), ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `node ${process.version}, onnxruntime-node ${ortVersion}`,
    `load average at the end (1/5/15 min): ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ')}`,
  ];
}
