// InferenceSession API behaviour and hand-computed results on small built models.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ModelBuilder } from '../../engine/builder/index.js';
import { InferenceSession, ModelLoadError, Tensor, UnsupportedError } from '../../engine/index.js';

// y = x * w + b with x [batch, 3], w [3], b [1]; z = relu(y)
function affineModel(): Uint8Array {
  return new ModelBuilder({ opset: 13 })
    .input('x', 'float32', ['batch', 3])
    .initializer('w', [2, -1, 0.5], [3])
    .initializer('b', [1], [1])
    .node('Mul', ['x', 'w'], ['xw'])
    .node('Add', ['xw', 'b'], ['y'])
    .node('Relu', ['y'], ['z'])
    .output('y', 'float32', ['batch', 3])
    .output('z', 'float32', ['batch', 3])
    .toBytes();
}

test('runs a model and matches hand-computed values', async (t) => {
  const s = await InferenceSession.create(affineModel());
  t.deepEqual(s.inputNames, ['x']);
  t.deepEqual(s.outputNames, ['y', 'z']);
  t.deepEqual(s.inputMetadata[0], { name: 'x', isTensor: true, type: 'float32', shape: ['batch', 3] });
  const x = new Tensor('float32', Float32Array.from([1, 2, 3, -1, -2, -3]), [2, 3]);
  const out = await s.run({ x });
  const y = out.y as Tensor;
  t.deepEqual(y.dims, [2, 3]);
  t.deepEqual(Array.from(y.data as Float32Array), [3, -1, 2.5, -1, 3, -0.5]);
  t.deepEqual(Array.from((out.z as Tensor).data as Float32Array), [3, 0, 2.5, 0, 3, 0]);
  await s.release();
});

test('a blocking run (for pool threads) gives the same outputs on the calling thread', async (t) => {
  const s = await InferenceSession.create(affineModel());
  const x = new Tensor('float32', Float32Array.from([1, 2, 3, -1, -2, -3]), [2, 3]);
  let tickedDuringRun = false;
  setImmediate(() => (tickedDuringRun = true));
  const y = (await s.run({ x }, ['y'], { blocking: true })).y as Tensor;
  // The native run happened inside run() itself: it finished without an event-loop turn (an async run
  // completes through libuv, after the setImmediate callback).
  t.false(tickedDuringRun);
  t.deepEqual(Array.from(y.data as Float32Array), [3, -1, 2.5, -1, 3, -0.5]);
  let tickedDuringAsyncRun = false;
  setImmediate(() => (tickedDuringAsyncRun = true));
  await s.run({ x });
  t.true(tickedDuringAsyncRun);
  await s.release();
});

test('fetches select outputs', async (t) => {
  const s = await InferenceSession.create(affineModel());
  const out = await s.run({ x: new Tensor('float32', new Float32Array(3), [1, 3]) }, ['z']);
  t.deepEqual(Object.keys(out), ['z']);
  await t.throwsAsync(() => s.run({ x: new Tensor('float32', new Float32Array(3), [1, 3]) }, ['nope']), {
    instanceOf: TypeError,
    message: /'nope' is not an output/,
  });
});

test('bad feeds get errors naming what is wrong', async (t) => {
  const s = await InferenceSession.create(affineModel());
  const good = new Tensor('float32', new Float32Array(3), [1, 3]);
  await t.throwsAsync(() => s.run({ input: good }), {
    instanceOf: TypeError,
    message: /'input' is not an input.*x/,
  });
  await t.throwsAsync(() => s.run({}), { instanceOf: TypeError, message: /missing input 'x'/ });
  await t.throwsAsync(() => s.run({ x: new Tensor('int32', new Int32Array(3), [1, 3]) }), {
    instanceOf: TypeError,
    message: /input 'x': expected a tensor of type float32, got int32/,
  });
  await t.throwsAsync(() => s.run({ x: new Tensor('float32', new Float32Array(3), [3]) }), {
    instanceOf: RangeError,
    message: /input 'x': expected rank 2/,
  });
  await t.throwsAsync(() => s.run({ x: new Tensor('float32', new Float32Array(4), [1, 4]) }), {
    instanceOf: RangeError,
    message: /dimension 1 must be 3/,
  });
  // The session still works after rejected runs.
  const out = await s.run({ x: good });
  t.deepEqual((out.z as Tensor).dims, [1, 3]);
});

test('a truncated model file is rejected with a clear error', async (t) => {
  const bytes = affineModel();
  const dir = mkdtempSync(join(tmpdir(), 'onnxfleet-'));
  const path = join(dir, 'truncated.onnx');
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await t.throwsAsync(() => InferenceSession.create(path), {
    instanceOf: ModelLoadError,
    message: /truncated\.onnx.*(truncated|not a valid ONNX|reads|produce)/,
  });
  await t.throwsAsync(() => InferenceSession.create(new Uint8Array([1, 2, 3])), {
    instanceOf: ModelLoadError,
  });
  await t.throwsAsync(() => InferenceSession.create(join(dir, 'missing.onnx')), {
    instanceOf: ModelLoadError,
    message: /cannot read model file/,
  });
});

test('an unsupported operator fails at creation naming op, domain and opset', async (t) => {
  const bytes = new ModelBuilder({ opset: 13 })
    .opsetImport('com.example', 1)
    .input('x', 'float32', [2])
    .node('Frobnicate', ['x'], ['y'], {}, { domain: 'com.example' })
    .output('y', 'float32', [2])
    .toBytes();
  await t.throwsAsync(() => InferenceSession.create(bytes), {
    instanceOf: UnsupportedError,
    message: /Frobnicate, com\.example opset 1/,
  });
});

test('a kernel error names the node and op and keeps the process alive', async (t) => {
  const bytes = new ModelBuilder({ opset: 13 })
    .input('a', 'float32', [null])
    .input('b', 'float32', [null])
    .node('Add', ['a', 'b'], ['c'], {}, { name: 'the_add' })
    .output('c', 'float32', [null])
    .toBytes();
  const s = await InferenceSession.create(bytes);
  await t.throwsAsync(
    () =>
      s.run({
        a: new Tensor('float32', new Float32Array(3), [3]),
        b: new Tensor('float32', new Float32Array(4), [4]),
      }),
    { message: /node 'the_add' \(Add/ },
  );
});

test('graphOptimizationLevel does not change results', async (t) => {
  const x = new Tensor('float32', Float32Array.from([0.5, -4, 8]), [1, 3]);
  const results = [];
  for (const level of ['disabled', 'basic', 'all'] as const) {
    const s = await InferenceSession.create(affineModel(), { graphOptimizationLevel: level });
    results.push(Array.from(((await s.run({ x })).z as Tensor).data as Float32Array));
  }
  t.deepEqual(results[0], [2, 5, 5]);
  t.deepEqual(results[1], results[0]);
  t.deepEqual(results[2], results[0]);
});
