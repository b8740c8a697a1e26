// The shared test helpers: seeded inputs are reproducible and shaped by the manifest; allclose finds mismatches.
import test from 'ava';
import { allclose, scaledTolerance } from './allclose.js';
import { findModel, loadModels, makeInputs, modelsUnavailable } from './models.js';
import { mulberry32, seedOf } from './prng.js';

test('mulberry32 is deterministic and uniform-ish in [0, 1)', (t) => {
  const a = mulberry32(seedOf('x'));
  const b = mulberry32(seedOf('x'));
  const xs = Array.from({ length: 10000 }, () => a());
  t.deepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => b()),
  );
  t.true(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  t.true(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
  t.not(seedOf('resnet18/input/1'), seedOf('resnet18/input/2'));
});

test('allclose reports the first mismatch and the max abs diff', (t) => {
  const e = { type: 'float32', dims: [3], data: new Float32Array([1, 2, 3]) };
  t.is(
    allclose({ ...e, data: new Float32Array([1, 2, 3.00001]) }, e, { rtol: 1e-4, atol: 1e-5 }).failure,
    undefined,
  );
  const r = allclose({ ...e, data: new Float32Array([1, 2.5, 3]) }, e, { rtol: 1e-4, atol: 1e-5 });
  t.is(r.mismatches, 1);
  t.is(r.maxAbsDiff, 0.5);
  t.regex(r.failure ?? '', /index 1: got 2.5, expected 2/);
  t.regex(allclose({ ...e, dims: [1, 3] }, e, { rtol: 0, atol: 0 }).failure ?? '', /dims/);
  t.truthy(allclose({ ...e, data: new Float32Array([1, NaN, 3]) }, e, { rtol: 1, atol: 1 }).failure);
});

const reason = modelsUnavailable();
if (reason) {
  test.skip(`model inputs: skipped, ${reason}`, () => {});
} else {
  test('manifest lists the five benchmark models', (t) => {
    t.deepEqual(
      loadModels()
        .map((m) => m.name)
        .sort(),
      ['bert_small', 'efficientnet_b0', 'mobilenet_v2', 'resnet18', 'squeezenet1_1'],
    );
  });

  test('seeded inputs follow the manifest and the batch size, and repeat exactly', (t) => {
    const cnn = makeInputs(findModel('resnet18'), 4);
    t.deepEqual(cnn.input.dims, [4, 3, 224, 224]);
    t.is(cnn.input.type, 'float32');
    t.deepEqual(makeInputs(findModel('resnet18'), 4).input.data, cnn.input.data);
    t.notDeepEqual(makeInputs(findModel('resnet18'), 4, 2).input.data, cnn.input.data);
    const x = cnn.input.data as Float32Array;
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const sd = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length);
    t.true(Math.abs(mean) < 0.01 && Math.abs(sd - 1) < 0.01, `mean ${mean}, sd ${sd}`);

    const bert = findModel('bert_small');
    t.is(bert.vocab, 8192);
    const ids = makeInputs(bert, 2);
    t.deepEqual(ids.input_ids.dims, [2, 128]);
    const tokens = Array.from(ids.input_ids.data as BigInt64Array, Number);
    t.true(tokens.every((v) => Number.isInteger(v) && v >= 0 && v < 8192));
    t.true(new Set(tokens).size > 200);
    t.true((ids.attention_mask.data as BigInt64Array).every((v) => v === 1n));
  });
}

test('scaledTolerance shrinks atol to outputs below 1 and keeps it for larger ones', (t) => {
  const tiny = { type: 'float32', dims: [2], data: new Float32Array([1e-9, -2e-9]) };
  t.deepEqual(scaledTolerance(tiny, { rtol: 1e-4, atol: 1e-5 }).atol, 1e-5 * Math.fround(2e-9));
  t.truthy(
    allclose({ ...tiny, data: new Float32Array(2) }, tiny, scaledTolerance(tiny, { rtol: 1e-4, atol: 1e-5 }))
      .failure,
  );
  const big = { type: 'float32', dims: [1], data: new Float32Array([3]) };
  t.is(scaledTolerance(big, { rtol: 1e-4, atol: 1e-5 }).atol, 1e-5);
});
