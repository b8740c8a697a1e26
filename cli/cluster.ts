// What the cluster commands (models, infer, job) share: the --nats/--prefix options, a client that is always
// closed, feeds for a model that lives in the cluster, and printing outputs.
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { connect, defaultServers, ModelNotFoundError, type FleetClient } from '../client/index.js';
import { decodeModel, writeNpy, type Tensor, type ValueMetadata } from '../engine/index.js';
import { collect, nonNegativeInt, positiveInt, splitAssignment } from './arguments.js';
import { CliError } from './fail.js';
import { buildFeeds, type Feed } from './feeds.js';
import { describeTensor, formatOutput } from './format.js';

export interface ClusterFlags {
  nats: string;
  prefix: string;
}

export interface FeedFlags {
  input?: string[];
  dim?: Record<string, number>;
  batch: number;
  seed: number;
  version?: string;
}

/** Adds --nats and --prefix to a cluster command. */
export function clusterCommand(name: string): Command {
  return new Command(name)
    .option(
      '--nats <url>',
      'NATS server URL(s), comma-separated (default: $NATS_URL or nats://127.0.0.1:4222)',
    )
    .option('--prefix <prefix>', 'subject and bucket prefix of the cluster', 'onnxfleet');
}

/** Adds the feed options `onnxfleet run` has: --input, --dim, --batch, --seed. */
export function feedOptions(command: Command): Command {
  return command
    .option(
      '-i, --input <name=file.npy|random>',
      'an input from a .npy file or random (repeatable; inputs not given are random)',
      collect,
    )
    .option(
      '--dim <name=size>',
      'size of a named symbolic dimension for random inputs (repeatable; default 1)',
      collectDim,
    )
    .option('--batch <n>', 'batch size (first symbolic dimension) for random inputs', positiveInt, 1)
    .option('--seed <s>', 'seed for random inputs', nonNegativeInt, 1)
    .option('--version <v>', 'model version (default: the version the workers host)');
}

function collectDim(spec: string, previous: Record<string, number> = {}): Record<string, number> {
  const [name, size] = splitAssignment(spec, '--dim');
  return { ...previous, [name]: positiveInt(size) };
}

/** Connects with the command's --nats/--prefix, runs `fn`, and always closes the connection. */
export async function withClient<T>(
  flags: ClusterFlags,
  fn: (client: FleetClient) => Promise<T>,
): Promise<T> {
  const servers = (flags.nats ?? defaultServers()).split(',').map((s) => s.trim());
  const client = await connect({ servers, prefix: flags.prefix, reconnect: false, name: 'onnxfleet-cli' });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Where `infer` and `job` keep model files downloaded to read their input metadata. */
export function modelCacheDir(): string {
  if (process.env.ONNXFLEET_CACHE_DIR) return join(process.env.ONNXFLEET_CACHE_DIR, 'models');
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'onnxfleet', 'models');
}

/** The formal inputs of a model file (graph inputs that are not initializers), like session.inputMetadata. */
async function inputMetadata(path: string): Promise<ValueMetadata[]> {
  const model = decodeModel(await readFile(path));
  const g = model.graph;
  return g.inputs
    .filter((i) => !g.initializers.has(i.name))
    .map((i) =>
      i.type?.kind === 'tensor'
        ? { name: i.name, isTensor: true, type: i.type.elemType, shape: i.type.shape ?? [] }
        : { name: i.name, isTensor: false, type: i.type?.kind },
    );
}

/**
 * Feeds for `model` as it is pushed to the cluster. When every --input names a file, the files are sent as
 * they are (the worker checks them against the model). Otherwise the model is fetched from the cluster once
 * (cached by its sha256) to learn its inputs, and the ones not given are random, as in `onnxfleet run`.
 */
export async function clusterFeeds(client: FleetClient, model: string, flags: FeedFlags): Promise<Feed[]> {
  const specs = flags.input ?? [];
  const named = specs.map((s) => splitAssignment(s, '--input'));
  if (named.length && named.every(([, source]) => source !== 'random')) {
    const inputs: ValueMetadata[] = named.map(([name]) => ({ name, isTensor: true }));
    return buildFeeds(inputs, specs, { batch: flags.batch, dims: flags.dim ?? {}, seed: flags.seed });
  }
  let path: string;
  try {
    const cacheDir = modelCacheDir();
    await mkdir(cacheDir, { recursive: true });
    path = await client.fetchModel(model, { version: flags.version, cacheDir });
  } catch (e) {
    if (e instanceof ModelNotFoundError) {
      throw new CliError(
        `${e.message}; without it the inputs are unknown, so give every input as --input NAME=FILE.npy`,
        { cause: e },
      );
    }
    throw e;
  }
  return buildFeeds(await inputMetadata(path), specs, {
    batch: flags.batch,
    dims: flags.dim ?? {},
    seed: flags.seed,
  });
}

export function printFeeds(feeds: readonly Feed[], seed: number): void {
  for (const f of feeds) {
    const from = f.source === 'random' ? `random, seed ${seed}` : f.source;
    console.log(`input ${f.name}: ${describeTensor(f.tensor)} (${from})`);
  }
}

/** Prints outputs like `onnxfleet run`, and writes each as <dir>/<name>.npy when `dir` is given. */
export async function printOutputs(outputs: Record<string, Tensor>, outputDir?: string): Promise<void> {
  for (const [name, tensor] of Object.entries(outputs))
    for (const line of formatOutput(name, tensor)) console.log(line);
  if (!outputDir) return;
  await mkdir(outputDir, { recursive: true });
  for (const [name, tensor] of Object.entries(outputs)) {
    const file = join(outputDir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`);
    await writeNpy(file, tensor);
    console.log(`wrote ${file}`);
  }
}

export function feedRecord(feeds: readonly Feed[]): Record<string, Tensor> {
  return Object.fromEntries(feeds.map((f) => [f.name, f.tensor]));
}
