// `onnxfleet run MODEL`: the engine alone, no cluster. Loads a model, feeds it, prints outputs and latency.
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import {
  type FetchValue,
  type GraphOptimizationLevel,
  InferenceSession,
  type Tensor,
} from '../../engine/index.js';
import { trace } from '@opentelemetry/api';
import { tracedRun, withTelemetry } from '../../observability/index.js';
import { collect, nonNegativeInt, positiveInt, splitAssignment } from '../arguments.js';
import { buildFeeds } from '../feeds.js';
import { printProfile } from '../profile.js';
import { describeTensor, formatMs, formatOutput, median } from '../format.js';

interface RunFlags {
  input?: string[];
  dim?: Record<string, number>;
  threads?: number;
  repeat: number;
  warmup: number;
  batch: number;
  seed: number;
  optimization: GraphOptimizationLevel;
  profile: boolean;
  profilePrefix: string;
}

/** For repeatable --dim NAME=SIZE: accumulates { NAME: SIZE }. */
function collectDim(spec: string, previous: Record<string, number> = {}): Record<string, number> {
  const [name, size] = splitAssignment(spec, '--dim');
  return { ...previous, [name]: positiveInt(size) };
}

async function run(model: string, flags: RunFlags): Promise<void> {
  // With OTEL_* variables set, each timed run is a `session.run` trace with one span per node.
  await withTelemetry({ serviceName: 'onnxfleet-run', metricsPort: 0 }, (telemetry) =>
    runModel(model, flags, telemetry.tracing),
  );
}

async function runModel(model: string, flags: RunFlags, traced: boolean): Promise<void> {
  const tracer = traced ? trace.getTracer('onnxfleet-run') : undefined;
  const session = await InferenceSession.create(model, {
    intraOpNumThreads: flags.threads,
    graphOptimizationLevel: flags.optimization,
    enableProfiling: flags.profile,
    profileFilePrefix: flags.profilePrefix,
  });
  try {
    const feedList = await buildFeeds(session.inputMetadata, flags.input ?? [], {
      batch: flags.batch,
      dims: flags.dim ?? {},
      seed: flags.seed,
    });
    const feeds: Record<string, Tensor> = Object.fromEntries(feedList.map((f) => [f.name, f.tensor]));
    for (const f of feedList) {
      const from = f.source === 'random' ? `random, seed ${flags.seed}` : f.source;
      console.log(`input ${f.name}: ${describeTensor(f.tensor)} (${from})`);
    }
    for (let i = 0; i < flags.warmup; i++) await session.run(feeds, { profile: false });
    const times: number[] = [];
    let outputs: Record<string, FetchValue> = {};
    for (let i = 0; i < flags.repeat; i++) {
      const start = performance.now();
      outputs = tracer
        ? await tracedRun(session, feeds, { tracer, attributes: { 'onnxfleet.model': model } })
        : await session.run(feeds);
      times.push(performance.now() - start);
    }
    for (const name of session.outputNames)
      for (const line of formatOutput(name, outputs[name])) console.log(line);
    const runs = `${flags.repeat} run${flags.repeat === 1 ? '' : 's'}, ${flags.warmup} warmup`;
    console.log(`latency: median ${formatMs(median(times))}, min ${formatMs(Math.min(...times))} (${runs})`);
    if (flags.profile) printProfile(session);
  } finally {
    await session.release();
  }
}

export function runCommand(): Command {
  return new Command('run')
    .description('run a model with the local engine (no cluster) and print its outputs and latency')
    .argument('<model>', 'path to an .onnx file')
    .option(
      '-i, --input <name=file.npy|random>',
      'an input from a .npy file or random (repeatable; default random)',
      collect,
    )
    .option(
      '--dim <name=size>',
      'size of a named symbolic dimension for random inputs (repeatable; default 1)',
      collectDim,
    )
    .option('--batch <n>', 'batch size (first symbolic dimension) for random inputs', positiveInt, 1)
    .option('--seed <s>', 'seed for random inputs', nonNegativeInt, 1)
    .option('--threads <n>', 'threads inside one run (default: all cores)', positiveInt)
    .option('--repeat <n>', 'timed runs', positiveInt, 1)
    .option('--warmup <n>', 'untimed runs before the timed ones', nonNegativeInt, 0)
    .addOption(
      new Option('--optimization <level>', 'graph optimization level')
        .choices(['disabled', 'basic', 'extended', 'all'])
        .default('all'),
    )
    .option(
      '--profile',
      'print time per op type and write a Chrome trace (Perfetto) of the timed runs',
      false,
    )
    .option('--profile-prefix <path>', 'file name prefix of the Chrome trace', 'onnxfleet_profile')
    .action(run);
}
