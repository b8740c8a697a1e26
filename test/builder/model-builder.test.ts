// The model builder: what it encodes decodes back unchanged, onnxruntime accepts it, and the engine runs it.
import test from 'ava';
import ort from 'onnxruntime-node';
import {
  attr,
  buildDemoClassifier,
  decodeModel,
  DEMO_CLASSIFIER,
  GraphBuilder,
  InferenceSession,
  ModelBuilder,
  Tensor,
} from '../../engine/index.js';

const bytesOf = (t: { data: Uint8Array | string[] }) => [...(t.data as Uint8Array)];
const f32 = (values: number[]) => [...new Uint8Array(new Float32Array(values).buffer)];

function everyKindModel(): ModelBuilder {
  const body = new GraphBuilder('body')
    .input('v', 'float32', [2])
    .node('Neg', ['v'], ['w'])
    .output('w', 'float32', [2]);
  return new ModelBuilder({ opset: 17, producerName: 'test' })
    .opsetImport('com.example', 2)
    .meta('purpose', 'round trip')
    .input('x', 'float32', ['batch', 3, null])
    .input('ids', 'int64', [])
    .input('seq', { kind: 'sequence', elem: { kind: 'tensor', elemType: 'float32' } })
    .initializer('w', new Float32Array([1.5, -2, 0.25]), [3])
    .initializer('big', [2n ** 62n, -3n], [2])
    .initializer('flag', new Tensor('bool', [true, false], [2]))
    .initializer('words', new Tensor('string', ['a', 'bé'], [2]))
    .node(
      'Custom',
      ['x', '', 'w'],
      ['y', 'z'],
      {
        f: 0.5,
        one: attr.float(1),
        i: 7,
        big: -(2n ** 40n),
        yes: true,
        s: 'hello',
        t: new Tensor('int32', [1, 2, 3, 4], [2, 2]),
        g: body,
        fs: [0.5, 1.5],
        fs_integral: attr.floats([1, 2]),
        is: [1, -2, 3],
        ss: ['p', 'q'],
        ts: [new Tensor('float32', [1], [1]), new Tensor('int8', [-1, 2], [2])],
        gs: [body, body],
        tp: attr.type({ kind: 'tensor', elemType: 'float16', shape: ['n', 4] }),
        empty: attr.ints([]),
      },
      { name: 'custom', domain: 'com.example' },
    )
    .valueInfo('y', 'float32', ['batch', 3, null])
    .output('y', 'float32', ['batch', 3, null])
    .output('z', 'int64');
}

test('a built model decodes back to what was built', (t) => {
  const model = decodeModel(everyKindModel().toBytes());
  t.is(model.irVersion, 8);
  t.is(model.producerName, 'test');
  t.deepEqual(
    [...model.opsets],
    [
      ['', 17],
      ['com.example', 2],
    ],
  );
  t.deepEqual([...model.metadata], [['purpose', 'round trip']]);

  const g = model.graph;
  t.is(g.name, 'main');
  t.deepEqual(g.inputs[0], {
    name: 'x',
    type: { kind: 'tensor', elemType: 'float32', shape: ['batch', 3, null] },
  });
  t.deepEqual(g.inputs[1].type, { kind: 'tensor', elemType: 'int64', shape: [] });
  t.deepEqual(g.inputs[2].type, {
    kind: 'sequence',
    elem: { kind: 'tensor', elemType: 'float32', shape: undefined },
  });
  t.deepEqual(g.outputs[1].type, { kind: 'tensor', elemType: 'int64', shape: undefined });
  t.deepEqual(g.valueInfo.get('y')?.type, g.outputs[0].type);

  const w = g.initializers.get('w')!;
  t.deepEqual([w.type, w.dims, bytesOf(w)], ['float32', [3], f32([1.5, -2, 0.25])]);
  const big = g.initializers.get('big')!;
  t.is(big.type, 'int64');
  t.deepEqual([...new BigInt64Array(new Uint8Array(bytesOf(big)).buffer)], [2n ** 62n, -3n]);
  t.deepEqual(bytesOf(g.initializers.get('flag')!), [1, 0]);
  t.deepEqual(g.initializers.get('words')!.data, ['a', 'bé']);

  const n = g.nodes[0];
  t.deepEqual(
    [n.name, n.opType, n.domain, n.inputs, n.outputs],
    ['custom', 'Custom', 'com.example', ['x', '', 'w'], ['y', 'z']],
  );
  const a = Object.fromEntries(n.attributes);
  t.deepEqual(a.f, { type: 'f', value: 0.5 });
  t.deepEqual(a.one, { type: 'f', value: 1 });
  t.deepEqual(a.i, { type: 'i', value: 7n });
  t.deepEqual(a.big, { type: 'i', value: -(2n ** 40n) });
  t.deepEqual(a.yes, { type: 'i', value: 1n });
  t.deepEqual(a.s, { type: 's', value: 'hello' });
  t.deepEqual(a.fs, { type: 'fs', value: [0.5, 1.5] });
  t.deepEqual(a.fs_integral, { type: 'fs', value: [1, 2] });
  t.deepEqual(a.is, { type: 'is', value: [1n, -2n, 3n] });
  t.deepEqual(a.ss, { type: 'ss', value: ['p', 'q'] });
  t.deepEqual(a.empty, { type: 'is', value: [] });
  t.deepEqual(a.tp, { type: 'tp', value: { kind: 'tensor', elemType: 'float16', shape: ['n', 4] } });
  if (a.t.type !== 't' || a.ts.type !== 'ts' || a.g.type !== 'g' || a.gs.type !== 'gs')
    return t.fail('attribute kinds');
  t.deepEqual([a.t.value.type, a.t.value.dims], ['int32', [2, 2]]);
  t.deepEqual([...new Int32Array(new Uint8Array(bytesOf(a.t.value)).buffer)], [1, 2, 3, 4]);
  t.deepEqual(
    a.ts.value.map((x) => [x.type, bytesOf(x)]),
    [
      ['float32', f32([1])],
      ['int8', [255, 2]],
    ],
  );
  t.is(a.g.value.name, 'body');
  t.deepEqual(
    a.g.value.nodes.map((x) => [x.opType, x.inputs, x.outputs]),
    [['Neg', ['v'], ['w']]],
  );
  t.deepEqual(a.g.value.inputs[0].type, { kind: 'tensor', elemType: 'float32', shape: [2] });
  t.is(a.gs.value.length, 2);
});

test('the same calls give the same bytes; the demo model depends on its seed', (t) => {
  t.deepEqual(everyKindModel().toBytes(), everyKindModel().toBytes());
  const demo = buildDemoClassifier().toBytes();
  t.deepEqual(buildDemoClassifier({ seed: 42 }).toBytes(), demo);
  t.notDeepEqual(buildDemoClassifier({ seed: 7 }).toBytes(), demo);
});

test('the builder rejects what ONNX forbids', (t) => {
  const m = new ModelBuilder().input('x', 'float32', [1]);
  t.throws(() => m.input('x', 'float32', [1]), { message: /'x' \(graph input\) is already defined/ });
  t.throws(() => m.node('Relu', ['x'], ['x']), {
    message: /'x' \(output of node 'Relu_0'\) is already defined/,
  });
  m.node('Relu', ['x'], ['y']);
  t.throws(() => m.node('Relu', ['y'], ['z'], {}, { name: 'Relu_0' }), {
    message: /two nodes are named 'Relu_0'/,
  });
  t.throws(() => m.node('Pad', ['y'], ['p'], { pads: [] }), { message: /empty list has no kind/ });
  t.throws(() => new ModelBuilder().input('x', 'float32', [-1]), { message: /invalid dimension -1/ });
  t.throws(() => m.initializer('w', [1, 2, 3], [2]), { message: /do not match/ });
  t.throws(() => new ModelBuilder({ opset: 0 }), { message: /opset version must be >= 1/ });
});

test('onnxruntime accepts the demo model: [batch, 10] probabilities', async (t) => {
  const session = await ort.InferenceSession.create(buildDemoClassifier().toBytes());
  t.deepEqual(session.inputNames, [DEMO_CLASSIFIER.input]);
  t.deepEqual(session.outputNames, [DEMO_CLASSIFIER.output]);
  const x = Float32Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.sin(i * 0.37));
  const out = await session.run({ images: new ort.Tensor('float32', x, [2, 3, 32, 32]) });
  const p = out[DEMO_CLASSIFIER.output];
  t.deepEqual(p.dims, [2, 10]);
  const rows = [0, 1].map((r) => [...(p.data as Float32Array).subarray(r * 10, r * 10 + 10)]);
  for (const row of rows) t.true(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  await session.release();
});

test('the engine runs a tiny Add/Mul graph: y = (a + b) * c, hand-computed', async (t) => {
  const bytes = new ModelBuilder({ opset: 13 })
    .input('a', 'float32', [2, 3])
    .input('b', 'float32', [3])
    .initializer('c', [2, -1, 0.5], [3])
    .node('Add', ['a', 'b'], ['sum'])
    .node('Mul', ['sum', 'c'], ['y'])
    .output('y', 'float32', [2, 3])
    .toBytes();
  const session = await InferenceSession.create(bytes);
  const a = new Tensor('float32', [1, 2, 3, 4, 5, 6], [2, 3]);
  const b = new Tensor('float32', [10, 20, 30], [3]);
  const { y } = await session.run({ a, b });
  const out = y as Tensor;
  t.deepEqual(out.dims, [2, 3]);
  // (1+10)*2, (2+20)*-1, (3+30)*0.5, (4+10)*2, (5+20)*-1, (6+30)*0.5
  t.deepEqual([...out.data], [22, -22, 16.5, 28, -25, 18]);
  await session.release();
});

test('the engine runs the demo model and agrees with onnxruntime', async (t) => {
  const bytes = buildDemoClassifier().toBytes();
  const session = await InferenceSession.create(bytes);
  const size = 3 * 32 * 32;
  const waves = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37));
  const ramps = Float32Array.from({ length: size }, (_, i) => (i < size / 3 ? 1 : -0.5) * ((i % 32) / 16));
  // Rows 0 and 2 are the same image; row 1 differs.
  const batch = new Float32Array(3 * size);
  batch.set(waves, 0);
  batch.set(ramps, size);
  batch.set(waves, 2 * size);
  const { probabilities } = await session.run({ images: new Tensor('float32', batch, [3, 3, 32, 32]) });
  const p = probabilities as Tensor;
  t.is(p.type, 'float32');
  t.deepEqual(p.dims, [3, 10]);
  const rows = [0, 1, 2].map((r) => [...(p.data as Float32Array).subarray(r * 10, r * 10 + 10)]);
  for (const row of rows) {
    t.true(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5, `row sums to 1: ${row}`);
    t.true(row.every((v) => v > 0 && v < 1));
  }
  // Equal images in different batch rows: equal up to blocking differences of a batched kernel.
  t.true(
    rows[0].every((v, i) => Math.abs(v - rows[2][i]) < 1e-6),
    'equal inputs give equal outputs',
  );
  t.true(
    rows[0].some((v, i) => Math.abs(v - rows[1][i]) > 1e-3),
    'different inputs give different outputs',
  );

  const again = (await session.run({ images: new Tensor('float32', batch, [3, 3, 32, 32]) }))
    .probabilities as Tensor;
  t.deepEqual([...again.data], [...p.data], 'a second run gives the same outputs');

  const reference = await ort.InferenceSession.create(bytes);
  const expected = (await reference.run({ images: new ort.Tensor('float32', batch, [3, 3, 32, 32]) }))
    .probabilities;
  const diff = Math.max(
    ...[...(expected.data as Float32Array)].map((v, i) => Math.abs(v - (p.data as Float32Array)[i])),
  );
  t.true(diff < 1e-5, `max difference from onnxruntime ${diff}`);
  await reference.release();
  await session.release();
});
