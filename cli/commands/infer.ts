// `onnxfleet infer MODEL --input ...`: one request/reply to a worker that serves MODEL; prints the outputs like
// `onnxfleet run` does.
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { positiveInt } from '../arguments.js';
import {
  clusterCommand,
  clusterFeeds,
  feedOptions,
  feedRecord,
  printFeeds,
  printOutputs,
  withClient,
  type ClusterFlags,
  type FeedFlags,
} from '../cluster.js';
import { formatMs } from '../format.js';
import { telemetryAction } from '../../observability/index.js';

interface InferFlags extends ClusterFlags, FeedFlags {
  timeoutMs: number;
  outputDir?: string;
  output?: string[];
}

async function infer(model: string, flags: InferFlags): Promise<void> {
  await withClient(flags, async (client) => {
    const feeds = await clusterFeeds(client, model, flags);
    printFeeds(feeds, flags.seed);
    const start = performance.now();
    const { outputs, info } = await client.inferWithInfo(model, feedRecord(feeds), {
      timeoutMs: flags.timeoutMs,
      version: flags.version,
      outputs: flags.output,
    });
    const elapsed = performance.now() - start;
    await printOutputs(outputs, flags.outputDir);
    const batch = info.batchSize > 1 ? `, batched with ${info.batchSize - 1} other request(s)` : '';
    console.log(
      `latency: ${formatMs(elapsed)} (worker ${info.workerId || '?'}: queue ${formatMs(info.queueMs)}, run ${formatMs(info.runMs)}${batch})`,
    );
  });
}

export function inferCommand(): Command {
  return feedOptions(
    clusterCommand('infer')
      .description('run a model on a cluster worker (NATS request/reply) and print its outputs')
      .argument('<model>', 'model name, as pushed with `onnxfleet models push`'),
  )
    .option(
      '--output <name>',
      'an output to return (repeatable; default all)',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option(
      '--timeout-ms <ms>',
      'give up after this long (also the deadline sent to the worker)',
      positiveInt,
      60_000,
    )
    .option('--output-dir <dir>', 'also write each output as <dir>/<name>.npy')
    .action(telemetryAction('onnxfleet-client', infer));
}
