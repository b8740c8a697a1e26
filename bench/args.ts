// Command-line flags of `npm run bench`.
import { parseArgs } from 'node:util';
import { MODEL_NAMES } from '../test/helpers/models.js';

export interface BenchArgs {
  models: string[];
  batches: number[];
  threads: number[];
  repeat: number;
  warmup: number;
  block: number;
  memory: boolean;
}

export const USAGE = `usage: npm run bench -- [--models a,b] [--batch 1,8] [--threads 1,2] [--repeat 20] [--warmup 3] [--block 5] [--memory]
  --models   comma-separated model names from the manifest (default: all five)
  --batch    batch sizes (default 1)
  --threads  intra-op threads, the same for both runtimes (default 2)
  --repeat   timed runs per runtime; the median is reported (default 20)
  --warmup   untimed runs per runtime before timing (default 3)
  --block    timed runs of one runtime in a row, after a 100 ms pause and one untimed run, before the other
             runtime's block (default 5; 1 alternates single runs with no pause)
  --memory   also measure peak resident memory of each runtime, each in its own child process`;

function positiveInts(flag: string, s: string): number[] {
  const out = s.split(',').map((x) => Number(x.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new RangeError(`--${flag} takes comma-separated positive integers, got '${s}'`);
  }
  return out;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string' },
      batch: { type: 'string', default: '1' },
      threads: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      block: { type: 'string', default: '5' },
      memory: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const [repeat] = positiveInts('repeat', values.repeat);
  const [block] = positiveInts('block', values.block);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(warmup) || warmup < 0)
    throw new RangeError(`--warmup takes an integer >= 0, got '${values.warmup}'`);
  return {
    models: values.models ? values.models.split(',').map((m) => m.trim()) : [...MODEL_NAMES],
    batches: positiveInts('batch', values.batch),
    threads: positiveInts('threads', values.threads),
    repeat,
    warmup,
    block,
    memory: values.memory,
  };
}
