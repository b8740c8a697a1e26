// `onnxfleet models push FILE --name N [--version V]` and `onnxfleet models list`: model files in the cluster's
// Object Store, content-addressed by sha256.
import { Command } from 'commander';
import { nonNegativeInt, positiveInt } from '../arguments.js';
import { clusterCommand, withClient, type ClusterFlags } from '../cluster.js';
import { textTable } from '../format.js';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

type PushFlags = ClusterFlags & {
  name: string;
  version: string;
  stages?: number;
  replicas?: number;
  maxBatch?: number;
  batchWindowMs?: number;
};

async function push(file: string, flags: PushFlags): Promise<void> {
  await withClient(flags, async (client) => {
    const ref = await client.pushModel(file, {
      name: flags.name,
      version: flags.version,
      stages: flags.stages,
      replicas: flags.replicas,
      maxBatch: flags.maxBatch,
      batchWindowMs: flags.batchWindowMs,
    });
    console.log(`pushed ${ref.name} version ${ref.version}: ${formatBytes(ref.size)}, sha256 ${ref.sha256}`);
  });
}

async function list(flags: ClusterFlags): Promise<void> {
  await withClient(flags, async (client) => {
    const models = await client.listModels();
    if (!models.length) {
      console.log('no models pushed (push one with `onnxfleet models push FILE --name NAME`)');
      return;
    }
    console.log(
      textTable(
        ['NAME', 'VERSION', 'SIZE', 'SHA256', 'PUSHED', 'FILE'],
        models.map((m) => [
          m.name,
          m.version,
          formatBytes(m.size),
          m.sha256.slice(0, 12),
          new Date(m.pushedUnixMs).toISOString().replace(/\.\d+Z$/, 'Z'),
          m.fileName ?? '',
        ]),
        '',
      ),
    );
  });
}

export function modelsCommand(): Command {
  const models = new Command('models').description('model files stored in the cluster (NATS Object Store)');
  models.addCommand(
    clusterCommand('push')
      .description(
        'upload a model file (stored once per content) and bind NAME at VERSION and NAME latest to it',
      )
      .argument('<file>', 'path to an .onnx file')
      .requiredOption('--name <name>', 'model name (letters, digits, _ and -)')
      .option('--version <v>', 'version label', '1')
      .option(
        '--stages <k>',
        'split into K pipeline stages across workers (default: only if it fits no worker)',
        positiveInt,
      )
      .option(
        '--replicas <n>',
        'workers that host it (default: by demand, at least 2 where possible)',
        positiveInt,
      )
      .option(
        '--max-batch <n>',
        'largest batch workers form for this model (default: the worker setting)',
        positiveInt,
      )
      .option(
        '--batch-window-ms <ms>',
        'how long workers wait for requests to batch with (default: the worker setting)',
        nonNegativeInt,
      )
      .action(push),
  );
  models.addCommand(
    clusterCommand('list').description('list every pushed model name and version').action(list),
  );
  return models;
}
