// `onnxfleet job submit MODEL --input ... [--wait]` and `onnxfleet job get ID [--wait]`: durable jobs through the
// cluster's JetStream work queue.
import { Command } from 'commander';
import type { FleetClient, JobOutcome } from '../../client/index.js';
import { positiveInt, splitAssignment } from '../arguments.js';
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
import { CliError } from '../fail.js';
import { formatMs } from '../format.js';
import { telemetryAction } from '../../observability/index.js';

interface WaitFlags {
  wait: boolean;
  timeoutMs?: number;
  outputDir?: string;
}

interface SubmitFlags extends ClusterFlags, FeedFlags, WaitFlags {
  jobId?: string;
  label?: Record<string, string>;
}

function collectLabel(spec: string, previous: Record<string, string> = {}): Record<string, string> {
  const [key, value] = splitAssignment(spec, '--label');
  return { ...previous, [key]: value };
}

/** Prints a finished job; a failed one throws its error (one line, exit 1). */
async function printOutcome(r: JobOutcome, outputDir?: string): Promise<void> {
  if (r.error) {
    throw new CliError(
      `job ${r.jobId} failed after ${r.attempts} attempt(s): ${r.error.code}: ${r.error.message}`,
      { cause: r.error },
    );
  }
  console.log(
    `job ${r.jobId}: ${r.state} (model ${r.model}, worker ${r.workerId || '?'}, ${r.attempts} attempt(s), run ${formatMs(r.runMs)})`,
  );
  await printOutputs(r.outputs, outputDir);
}

async function waitFor(client: FleetClient, jobId: string, flags: WaitFlags): Promise<void> {
  const outcome = await client.watchJob(jobId, {
    timeoutMs: flags.timeoutMs,
    onEvent: (e) =>
      console.error(
        `job ${jobId}: ${e.state}${e.workerId ? ` on ${e.workerId}` : ''}${e.attempt ? ` (attempt ${e.attempt})` : ''}`,
      ),
  });
  await printOutcome(outcome, flags.outputDir);
}

async function submit(model: string, flags: SubmitFlags): Promise<void> {
  await withClient(flags, async (client) => {
    const feeds = await clusterFeeds(client, model, flags);
    if (flags.wait) printFeeds(feeds, flags.seed);
    const jobId = await client.submitJob(model, feedRecord(feeds), {
      jobId: flags.jobId,
      labels: flags.label,
      version: flags.version,
    });
    // The id alone on stdout, so `id=$(onnxfleet job submit ...)` works; with --wait it leads the result.
    console.log(flags.wait ? `job ${jobId} submitted` : jobId);
    if (flags.wait) await waitFor(client, jobId, flags);
  });
}

async function get(jobId: string, flags: ClusterFlags & WaitFlags): Promise<void> {
  await withClient(flags, async (client) => {
    if (flags.wait) return waitFor(client, jobId, flags);
    const outcome = await client.jobResult(jobId);
    if (!outcome) {
      console.log(`job ${jobId}: no result yet (queued, running, or unknown)`);
      return;
    }
    await printOutcome(outcome, flags.outputDir);
  });
}

function waitOptions(command: Command): Command {
  return command
    .option('--wait', 'wait until the job has a result and print it', false)
    .option('--timeout-ms <ms>', 'with --wait: give up after this long', positiveInt)
    .option('--output-dir <dir>', 'also write each output as <dir>/<name>.npy');
}

export function jobCommand(): Command {
  const job = new Command('job').description('durable jobs (JetStream work queue; results kept by job id)');
  job.addCommand(
    waitOptions(
      feedOptions(
        clusterCommand('submit')
          .description('queue a job for MODEL and print its id')
          .argument('<model>', 'model name, as pushed with `onnxfleet models push`'),
      )
        .option('--job-id <id>', 'the job id (default random); resubmitting an id is a no-op')
        .option('--label <key=value>', 'a label copied into the result (repeatable)', collectLabel),
    ).action(telemetryAction('onnxfleet-client', submit)),
  );
  job.addCommand(
    waitOptions(clusterCommand('get').description("print a job's result").argument('<id>', 'job id')).action(
      telemetryAction('onnxfleet-client', get),
    ),
  );
  return job;
}
