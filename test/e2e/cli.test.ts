// The cluster commands end to end: a real nats-server, a real `onnxfleet worker`, and `onnxfleet infer` /
// `onnxfleet job submit --wait` / `onnxfleet job get` as a user runs them. Outputs (written with --output-dir)
// equal the in-process engine's.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { readNpy, Tensor, writeNpy } from '../../engine/index.js';
import { natsServerAvailable } from '../helpers/nats-server.js';
import { Cluster, demoInput, MODEL, maxAbsDiff } from './cluster.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const missing = natsServerAvailable();
const it = missing ? test.skip : test.serial;
if (missing) test(`cli e2e skipped: ${missing}`, (t) => t.pass());

let cluster: Cluster;
let input = '';
let expected: Tensor;

test.before(async () => {
  if (missing) return;
  cluster = await Cluster.start();
  input = join(cluster.dir, 'images.npy');
  await writeNpy(input, demoInput(77, 2).images);
  expected = (await cluster.reference.run(demoInput(77, 2))).probabilities as Tensor;
  await cluster.worker(['--threads', '1', '--intra-op', '1']);
});

test.after.always(async () => {
  await cluster?.stop();
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args, '--nats', cluster.server.url],
      {
        cwd: repoRoot,
        env: { ...process.env, DEBUG: '', ONNXFLEET_CACHE_DIR: join(cluster.dir, 'cli-cache') },
      },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr }),
    );
  });
}

it('onnxfleet infer prints and writes the outputs the in-process engine computes', async (t) => {
  const out = join(cluster.dir, 'infer-out');
  const r = await cli([
    'infer',
    MODEL,
    '--input',
    `images=${input}`,
    '--timeout-ms',
    '30000',
    '--output-dir',
    out,
  ]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^input images: float32 \[2, 3, 32, 32\] \(.*images\.npy\)$/m);
  t.regex(r.stdout, /^output probabilities: float32 \[2, 10\]$/m);
  t.regex(r.stdout, /^latency: [\d.]+ ms \(worker \S+: queue [\d.]+ ms, run [\d.]+ ms/m);
  const got = await readNpy(join(out, 'probabilities.npy'));
  t.true(maxAbsDiff(got, expected) < 1e-6, 'the output equals the in-process engine');
});

it('onnxfleet job submit --wait and job get print the same result, equal to the engine', async (t) => {
  const out = join(cluster.dir, 'job-out');
  const submit = await cli([
    'job',
    'submit',
    MODEL,
    '--input',
    `images=${input}`,
    '--job-id',
    'e2e-cli-1',
    '--wait',
    '--timeout-ms',
    '60000',
  ]);
  t.is(submit.code, 0, submit.stderr);
  t.regex(submit.stdout, /^job e2e-cli-1 submitted$/m);
  t.regex(
    submit.stdout,
    /^job e2e-cli-1: SUCCEEDED \(model demo, worker \S+, 1 attempt\(s\), run [\d.]+ ms\)$/m,
  );
  const get = await cli(['job', 'get', 'e2e-cli-1', '--output-dir', out]);
  t.is(get.code, 0, get.stderr);
  t.true(get.stdout.includes('output probabilities: float32 [2, 10]'));
  const valuesLine = (s: string) =>
    s.split('\n').find((l, i, all) => all[i - 1]?.startsWith('output probabilities'));
  t.is(valuesLine(get.stdout), valuesLine(submit.stdout));
  t.true(maxAbsDiff(await readNpy(join(out, 'probabilities.npy')), expected) < 1e-6);
});

it('a job that fails prints its error code and exits 1', async (t) => {
  const wrong = join(cluster.dir, 'wrong.npy');
  await writeNpy(wrong, new Tensor('float32', new Float32Array(3), [1, 3]));
  const r = await cli([
    'job',
    'submit',
    MODEL,
    '--input',
    `images=${wrong}`,
    '--wait',
    '--timeout-ms',
    '60000',
  ]);
  t.is(r.code, 1);
  t.regex(r.stderr, /^onnxfleet: job \S+ failed after 1 attempt\(s\): BAD_INPUT: /m);
});
