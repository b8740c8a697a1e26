// `onnxfleet batch submit|status|results`: batch jobs. A batch is many inputs of one model handed over at
// once; a coordinator queues them as durable jobs and assembles the outputs in input order.
import { Command } from 'commander';
import type { BatchStatus, FleetClient } from '../../client/index.js';
import { positiveInt } from '../arguments.js';
import { batchItems, writeBatchResults } from '../batch-io.js';
import { clusterCommand, clusterFeeds, withClient, type ClusterFlags } from '../cluster.js';
import { CliError } from '../fail.js';
import { telemetryAction } from '../../observability/index.js';

interface SubmitFlags extends ClusterFlags {
  inputs: string[];
  batchId?: string;
  chunk?: number;
  version?: string;
  wait: boolean;
  timeoutMs?: number;
  outputDir?: string;
}

interface StatusFlags extends ClusterFlags {
  watch: boolean;
  timeoutMs?: number;
}

function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m} min ${Math.round((ms % 60_000) / 1000)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** One line: state, done/total, failures, rate, ETA (or the time it took). */
export function describeBatch(s: BatchStatus): string {
  const parts = [`batch ${s.batchId}: ${s.state} ${s.done}/${s.total} done`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.state === 'RUNNING' || s.state === 'SUBMITTED') {
    if (s.submitted < s.total) parts.push(`${s.submitted} queued`);
    if (s.rate > 0) parts.push(`${s.rate.toFixed(1)} items/s`);
    if (s.etaMs !== undefined) parts.push(`ETA ${seconds(s.etaMs)}`);
  }
  if (s.finishedUnixMs && s.startedUnixMs) parts.push(`took ${seconds(s.finishedUnixMs - s.startedUnixMs)}`);
  if (s.error) parts.push(`${s.error.code}: ${s.error.message}`);
  return parts.join(', ');
}

function bar(s: BatchStatus, width = 30): string {
  const filled = s.total ? Math.round((s.done / s.total) * width) : width;
  const pct = s.total ? Math.floor((s.done / s.total) * 100) : 100;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% `;
}

/**
 * Follows a batch until it finishes: on a terminal one progress bar rewritten in place (\r), otherwise a plain
 * line per change of state or about every 5% of progress (so logs stay short).
 */
async function follow(client: FleetClient, batchId: string, timeoutMs?: number): Promise<BatchStatus> {
  const tty = process.stderr.isTTY;
  let lastLine = '';
  let lastState = '';
  let lastStep = -1;
  const final = await client.watchBatch(batchId, {
    timeoutMs,
    onProgress: (s) => {
      if (tty) {
        const line = `${bar(s)}${describeBatch(s)}`;
        process.stderr.write(`\r${line}${' '.repeat(Math.max(0, lastLine.length - line.length))}`);
        lastLine = line;
        return;
      }
      const step = s.total ? Math.floor((s.done / s.total) * 20) : 0;
      if (s.state !== lastState || step !== lastStep) process.stderr.write(`${describeBatch(s)}\n`);
      lastState = s.state;
      lastStep = step;
    },
  });
  if (tty) process.stderr.write('\n');
  return final;
}

async function report(client: FleetClient, s: BatchStatus, outputDir?: string): Promise<void> {
  console.log(describeBatch(s));
  if (s.state === 'FAILED')
    throw new CliError(`batch ${s.batchId} failed: ${s.error?.message ?? 'unknown error'}`);
  if (!outputDir || s.state !== 'DONE') return;
  const { succeeded, failed } = await writeBatchResults(client.batchResults(s.batchId), outputDir, s.total);
  console.log(
    `wrote ${succeeded} item result(s) to ${outputDir}${failed ? ` (${failed} failed: see failed.jsonl)` : ''}`,
  );
}

/** --inputs [NAME=]PATH...: without NAME the model must have a single input (learned from the model file). */
async function inputSources(client: FleetClient, model: string, flags: SubmitFlags) {
  const sources = new Map<string, string[]>();
  const unnamed: string[] = [];
  for (const spec of flags.inputs) {
    const m = /^([A-Za-z_][\w.:/-]*)=(.+)$/.exec(spec);
    if (m && !/\.npy$/.test(m[1])) sources.set(m[1], [...(sources.get(m[1]) ?? []), m[2]]);
    else unnamed.push(spec);
  }
  if (unnamed.length) {
    const names = (await clusterFeeds(client, model, { batch: 1, seed: 1, version: flags.version })).map(
      (f) => f.name,
    );
    if (names.length !== 1) {
      throw new CliError(
        `model '${model}' has inputs ${names.join(', ')}: give each as --inputs NAME=PATH (repeatable)`,
      );
    }
    sources.set(names[0], [...(sources.get(names[0]) ?? []), ...unnamed]);
  }
  return sources;
}

async function submit(model: string, flags: SubmitFlags): Promise<void> {
  await withClient(flags, async (client) => {
    const { count, items } = await batchItems(await inputSources(client, model, flags));
    if (count === 0) throw new CliError('the inputs hold no items');
    const batchId = await client.submitBatch(model, items, {
      batchId: flags.batchId,
      chunk: flags.chunk,
      version: flags.version,
    });
    // The id alone on stdout, so `id=$(onnxfleet batch submit ...)` works; with --wait it leads the summary.
    console.log(flags.wait ? `batch ${batchId} submitted (${count} items)` : batchId);
    if (flags.wait) await report(client, await follow(client, batchId, flags.timeoutMs), flags.outputDir);
  });
}

async function status(batchId: string, flags: StatusFlags): Promise<void> {
  await withClient(flags, async (client) => {
    if (!flags.watch) {
      console.log(describeBatch(await client.batchStatus(batchId)));
      return;
    }
    await report(client, await follow(client, batchId, flags.timeoutMs));
  });
}

async function results(batchId: string, flags: ClusterFlags & { outputDir: string }): Promise<void> {
  await withClient(flags, async (client) =>
    report(client, await client.batchStatus(batchId), flags.outputDir),
  );
}

export function batchCommand(): Command {
  const batch = new Command('batch').description(
    'batch jobs: many inputs of one model, queued as durable jobs by the coordinator, outputs kept in input order',
  );
  batch.addCommand(
    clusterCommand('submit')
      .description('store a dataset of inputs as a batch for MODEL and print the batch id')
      .argument('<model>', 'model name, as pushed with `onnxfleet models push`')
      .requiredOption(
        '--inputs <[name=]path...>',
        'where the items come from, in order: a .npy file is split along its first dimension (item i is ' +
          'x[i:i+1]); a directory holds one .npy file per item (taken in file-name order, used as they are). ' +
          'Several paths are concatenated. NAME= picks the model input (needed when it has more than one)',
      )
      .option('--batch-id <id>', 'the batch id (default random); an existing id is refused')
      .option('--chunk <n>', 'items per stored dataset part (default 1024)', positiveInt)
      .option('--version <v>', 'model version (default: the version the workers host)')
      .option('--wait', 'follow progress until the batch finishes', false)
      .option('--timeout-ms <ms>', 'with --wait: give up waiting after this long', positiveInt)
      .option('--output-dir <dir>', 'with --wait: write the results as `batch results` does')
      .action(telemetryAction('onnxfleet-client', submit)),
  );
  batch.addCommand(
    clusterCommand('status')
      .description("print a batch's state and progress (done/total, rate, ETA)")
      .argument('<id>', 'batch id')
      .option('--watch', 'follow progress (a progress bar on a terminal) until the batch finishes', false)
      .option('--timeout-ms <ms>', 'with --watch: give up after this long', positiveInt)
      .action(telemetryAction('onnxfleet-client', status)),
  );
  batch.addCommand(
    clusterCommand('results')
      .description(
        'write the results of a finished batch: DIR/<output>/<index>.npy per succeeded item, DIR/failed.jsonl ' +
          'with {index, code, message} per failed item',
      )
      .argument('<id>', 'batch id')
      .requiredOption('--output-dir <dir>', 'directory to write into')
      .action(telemetryAction('onnxfleet-client', results)),
  );
  return batch;
}
