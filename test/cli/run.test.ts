// `onnxfleet run` and `onnxfleet demo-model` as a user runs them: a real process, its output and exit code.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { buildDemoClassifier, ModelBuilder, Tensor } from '../../engine/index.js';
import { writeNpy } from '../../engine/npy.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let dir = '';

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
      { cwd: repoRoot, env: { ...process.env, DEBUG: '', ...env } },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr }),
    );
  });
}

const path = (name: string) => join(dir, name);

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onnxfleet-cli-'));
  // x: [batch, 4] float32 with a symbolic batch; y = Identity(x).
  await writeFile(
    path('symbolic.onnx'),
    new ModelBuilder()
      .input('x', 'float32', ['batch', 4])
      .node('Identity', ['x'], ['y'])
      .output('y', 'float32', ['batch', 4])
      .toBytes(),
  );
  // Fixed shapes, a float input and BERT-like int64 inputs, each echoed by Identity.
  await writeFile(
    path('fixed.onnx'),
    new ModelBuilder()
      .input('x', 'float32', [2, 3])
      .input('input_ids', 'int64', [1, 6])
      .input('attention_mask', 'int64', [1, 6])
      .node('Identity', ['x'], ['y'])
      .node('Identity', ['input_ids'], ['ids'])
      .node('Identity', ['attention_mask'], ['mask'])
      .output('y', 'float32', [2, 3])
      .output('ids', 'int64', [1, 6])
      .output('mask', 'int64', [1, 6])
      .toBytes(),
  );
  await writeNpy(path('x.npy'), new Tensor('float32', [1, 2.5, -3, 0.125, 5, 6], [2, 3]));
  await writeNpy(path('x-int.npy'), new Tensor('int32', [1, 2, 3, 4, 5, 6], [2, 3]));
});

test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The value list printed under `output NAME: ...`. */
function valuesOf(stdout: string, output: string): string {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`output ${output}:`));
  return at >= 0 ? lines[at + 1].trim() : '';
}

test('random input: prints each output with dtype, shape and values, and the latency', async (t) => {
  const r = await cli(['run', path('fixed.onnx'), '--input', 'x=random', '--repeat', '3', '--warmup', '1']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^input x: float32 \[2, 3\] \(random, seed 1\)$/m);
  t.regex(r.stdout, /^output y: float32 \[2, 3\]$/m);
  t.regex(r.stdout, /^output ids: int64 \[1, 6\]$/m);
  t.regex(r.stdout, /^output mask: int64 \[1, 6\]$/m);
  t.regex(r.stdout, /^latency: median \d+\.\d+ ms, min \d+\.\d+ ms \(3 runs, 1 warmup\)$/m);
  const floats = valuesOf(r.stdout, 'y').slice(1, -1).split(', ').map(Number);
  t.is(floats.length, 6);
  t.true(floats.every((v) => v >= -1 && v < 1) && new Set(floats).size === 6, `uniform floats: ${floats}`);
  t.is(valuesOf(r.stdout, 'mask'), '[1, 1, 1, 1, 1, 1]', 'attention masks are ones');
  const ids = valuesOf(r.stdout, 'ids').slice(1, -1).split(', ').map(Number);
  t.true(ids.length === 6 && ids.every((v) => Number.isInteger(v) && v >= 0 && v < 100), `small ids: ${ids}`);
  t.is(r.stderr, '');
});

test('the seed decides the random values', async (t) => {
  const [a, b, c] = await Promise.all([
    cli(['run', path('fixed.onnx'), '--seed', '5']),
    cli(['run', path('fixed.onnx'), '--seed', '5']),
    cli(['run', path('fixed.onnx'), '--seed', '6']),
  ]);
  t.is(valuesOf(a.stdout, 'y'), valuesOf(b.stdout, 'y'));
  t.not(valuesOf(a.stdout, 'y'), valuesOf(c.stdout, 'y'));
});

test('an input from a .npy file is fed as is', async (t) => {
  const r = await cli(['run', path('fixed.onnx'), '--input', `x=${path('x.npy')}`]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`^input x: float32 \\[2, 3\\] \\(${path('x.npy')}\\)$`, 'm'));
  t.is(valuesOf(r.stdout, 'y'), '[1, 2.5, -3, 0.125, 5, 6]');
});

test('symbolic dimensions of random inputs take --batch', async (t) => {
  const r = await cli(['run', path('symbolic.onnx'), '--input', 'x=random', '--batch', '3']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^output y: float32 \[3, 4\]$/m);
  t.regex(valuesOf(r.stdout, 'y'), /, \.\.\. 12 values\]$/);
  const one = await cli(['run', path('symbolic.onnx')]);
  t.regex(one.stdout, /^output y: float32 \[1, 4\]$/m, 'batch defaults to 1');
});

test('a bad input name fails with one clear line and exit code 1', async (t) => {
  const r = await cli(['run', path('fixed.onnx'), '--input', 'nope=random']);
  t.is(r.code, 1);
  t.is(r.stdout, '');
  t.is(
    r.stderr,
    "onnxfleet: --input nope=random: the model has no input named 'nope'; its inputs are: x, input_ids, attention_mask\n",
  );
});

test('other failures are one line too; DEBUG=1 adds the stack', async (t) => {
  const missing = await cli(['run', path('missing.onnx')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /^onnxfleet: cannot read model file .*missing\.onnx.*ENOENT.*\n$/);
  t.is(missing.stderr.split('\n').length, 2, 'one line');

  const wrongType = await cli(['run', path('fixed.onnx'), '--input', `x=${path('x-int.npy')}`]);
  t.is(wrongType.code, 1);
  t.regex(
    wrongType.stderr,
    /^onnxfleet: --input x=.*x-int\.npy: the file holds int32 but input 'x' is float32\n$/,
  );

  const badOption = await cli(['run', path('fixed.onnx'), '--repeat', '0']);
  t.is(badOption.code, 1);
  t.regex(badOption.stderr, /--repeat <n>' argument '0' is invalid/);

  const debug = await cli(['run', path('fixed.onnx'), '--input', 'nope=random'], { DEBUG: '1' });
  t.is(debug.code, 1);
  t.regex(debug.stderr, /no input named 'nope'[^]*\n\s+at /, 'stack trace with DEBUG=1');
});

test('demo-model writes the built-in classifier', async (t) => {
  const out = path('demo.onnx');
  const r = await cli(['demo-model', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(
    r.stdout,
    /^wrote .*demo\.onnx \(\d+ bytes\): images float32 \[batch, 3, 32, 32\] -> probabilities float32 \[batch, 10\]$/m,
  );
  t.deepEqual(new Uint8Array(await readFile(out)), buildDemoClassifier().toBytes());
});
