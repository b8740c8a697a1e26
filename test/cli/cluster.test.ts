// The cluster commands as a user runs them (a real `onnxfleet` process against a real nats-server):
// `models push/list`, and `infer`/`job` up to the point where a worker would be needed.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { connect, type FleetClient } from '../../client/index.js';
import { buildDemoClassifier } from '../../engine/index.js';
import { jobRequestCodec, tensorFromWire } from '../../protocol/index.js';
import { natsServerAvailable, startNatsServer, type NatsServer } from '../helpers/nats-server.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const missing = natsServerAvailable();
const it = missing ? (title: string) => test.skip(`${title} (skipped: ${missing})`, () => {}) : test;
let server: NatsServer | undefined;
let fleet: FleetClient | undefined;
let dir = '';
const modelBytes = buildDemoClassifier({ seed: 3, classes: 5 }).toBytes();

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          DEBUG: '',
          NATS_URL: server?.url ?? '',
          ONNXFLEET_CACHE_DIR: join(dir, 'cache'),
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr }),
    );
  });
}

if (!missing) {
  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onnxfleet-cli-cluster-'));
    await writeFile(join(dir, 'demo.onnx'), modelBytes);
    server = await startNatsServer();
    fleet = await connect({ servers: server.url, prefix: 'clitest' });
  });
  test.after.always(async () => {
    await fleet?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
}

it('models push stores the file, models list shows every version; --prefix keeps clusters apart', async (t) => {
  const file = join(dir, 'demo.onnx');
  const first = await cli(['models', 'push', file, '--name', 'demo', '--prefix', 'clitest']);
  t.is(first.code, 0, first.stderr);
  const kib = (modelBytes.byteLength / 1024).toFixed(1).replace('.', '\\.');
  t.regex(first.stdout, new RegExp(`^pushed demo version 1: ${kib} KiB, sha256 [0-9a-f]{64}$`, 'm'));
  const second = await cli([
    'models',
    'push',
    file,
    '--name',
    'demo',
    '--version',
    '2.0-rc',
    '--prefix',
    'clitest',
  ]);
  t.is(second.code, 0, second.stderr);
  t.regex(second.stdout, /^pushed demo version 2\.0-rc:/m);

  const ref = await fleet!.resolveModel('demo', '2.0-rc');
  t.is(ref.size, modelBytes.byteLength);
  t.is(ref.fileName, 'demo.onnx');

  const list = await cli(['models', 'list', '--prefix', 'clitest']);
  t.is(list.code, 0, list.stderr);
  const all = list.stdout.trim().split('\n');
  t.regex(all[0], /^NAME\s+VERSION\s+SIZE\s+SHA256\s+PUSHED\s+FILE$/);
  // Other tests push other names to this prefix at the same time.
  const lines = [all[0], ...all.slice(1).filter((l) => l.startsWith('demo '))];
  t.is(lines.length, 3);
  t.regex(
    lines[1],
    new RegExp(
      `^demo\\s+1\\s+${kib} KiB\\s+${ref.sha256.slice(0, 12)}\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\s+demo\\.onnx$`,
    ),
  );
  t.regex(lines[2], /^demo\s+2\.0-rc\s/);

  const other = await cli(['models', 'list', '--prefix', 'nothing']); // another cluster on the same server
  t.is(other.code, 0, other.stderr);
  t.regex(other.stdout, /^no models pushed/);
});

it('models push failures are one line and a non-zero exit', async (t) => {
  const badName = await cli(['models', 'push', join(dir, 'demo.onnx'), '--name', 'a.b']);
  t.is(badName.code, 1);
  t.regex(badName.stderr, /^onnxfleet: invalid model name "a\.b"/);
  t.is(badName.stderr.trim().split('\n').length, 1);
  const noFile = await cli(['models', 'push', join(dir, 'nope.onnx'), '--name', 'x']);
  t.is(noFile.code, 1);
  t.regex(noFile.stderr, /^onnxfleet: .*ENOENT.*nope\.onnx/);
  const noName = await cli(['models', 'push', join(dir, 'demo.onnx')]);
  t.is(noName.code, 1);
  t.regex(noName.stderr, /required option '--name <name>' not specified/);
  const noServer = await cli(['models', 'list', '--nats', 'nats://127.0.0.1:1']);
  t.is(noServer.code, 1);
  t.regex(noServer.stderr, /^onnxfleet: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
});

it('infer: random inputs from the pushed model, and UNAVAILABLE with no worker; unknown models are explained', async (t) => {
  await cli(['models', 'push', join(dir, 'demo.onnx'), '--name', 'noworker']);
  const r = await cli(['infer', 'noworker', '--batch', '2', '--timeout-ms', '5000']);
  t.is(r.code, 1);
  t.regex(r.stdout, /^input images: float32 \[2, 3, 32, 32\] \(random, seed 1\)$/m);
  t.regex(r.stderr, /^onnxfleet: no worker serves model 'noworker'/);
  const unknown = await cli(['infer', 'ghost']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /model 'ghost' is not in the model index.*--input NAME=FILE\.npy/);
});

it('job submit prints the id of a stored job; job get reports no result yet, and --wait times out', async (t) => {
  const file = join(dir, 'demo.onnx');
  await cli(['models', 'push', file, '--name', 'jobs', '--prefix', 'clitest']);
  const r = await cli([
    'job',
    'submit',
    'jobs',
    '--prefix',
    'clitest',
    '--job-id',
    'cli-job-1',
    '--label',
    'k=v',
    '--seed',
    '9',
  ]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'cli-job-1\n');
  const conn = fleet!.connection;
  const jsm = await conn.manager();
  const stored = await jsm.streams.getMessage(conn.names.jobsStream, {
    last_by_subj: conn.names.jobs('jobs'),
  });
  const request = jobRequestCodec.decode(stored!.data);
  t.like(request, { jobId: 'cli-job-1', model: 'jobs', labels: { k: 'v' } });
  t.deepEqual(tensorFromWire(request.inputs[0]).dims, [1, 3, 32, 32]);

  const get = await cli(['job', 'get', 'cli-job-1', '--prefix', 'clitest']);
  t.is(get.code, 0, get.stderr);
  t.is(get.stdout, 'job cli-job-1: no result yet (queued, running, or unknown)\n');
  const wait = await cli(['job', 'get', 'cli-job-1', '--prefix', 'clitest', '--wait', '--timeout-ms', '300']);
  t.is(wait.code, 1);
  t.regex(wait.stderr, /^onnxfleet: job 'cli-job-1' has no result after 300 ms$/m);
});
