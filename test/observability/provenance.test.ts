// Fused-node provenance: the optimizer's fusions name the original nodes they replaced, through chained
// fusions, and the session's plan nodes carry the names (with load-time types and shapes) to traces.
import test from 'ava';
import { InferenceSession, ModelBuilder } from '../../engine/index.js';

const floats = (n: number, scale = 0.1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * scale);

test('Conv, BatchNormalization and Relu fold into one node that names all three', async (t) => {
  const m = new ModelBuilder({ opset: 13 });
  m.input('x', 'float32', [1, 2, 5, 5]);
  m.initializer('w', floats(3 * 2 * 3 * 3), [3, 2, 3, 3]);
  for (const [name, v] of [
    ['scale', 1],
    ['shift', 0.1],
    ['mean', 0.05],
    ['var', 1.5],
  ] as const)
    m.initializer(name, new Float32Array(3).fill(v), [3]);
  m.node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }, { name: 'conv' });
  m.node('BatchNormalization', ['c', 'scale', 'shift', 'mean', 'var'], ['b'], {}, { name: 'bn' });
  m.node('Relu', ['b'], ['y'], {}, { name: 'relu' });
  m.output('y', 'float32', [1, 3, 5, 5]);

  const basic = await InferenceSession.create(m.toBytes(), { graphOptimizationLevel: 'basic' });
  const conv = basic.planNodes.find((n) => n.opType === 'Conv')!;
  t.deepEqual(conv.fusedFrom, ['conv', 'bn'], 'basic: BatchNormalization folded into the Conv');
  t.is(basic.planNodes.find((n) => n.opType === 'Relu')?.fusedFrom, undefined, 'unfused nodes name nothing');

  const all = await InferenceSession.create(m.toBytes(), { graphOptimizationLevel: 'all' });
  t.is(all.planNodes.filter((n) => n.fusedFrom).length, 1);
  t.deepEqual(all.planNodes.find((n) => n.fusedFrom)!.fusedFrom, ['conv', 'bn', 'relu']);
});

test('MatMul + Add -> Gemm names both, and plan nodes carry load-time types and shapes', async (t) => {
  const m = new ModelBuilder({ opset: 13 });
  m.input('a', 'float32', ['n', 4]);
  m.initializer('b', floats(4 * 3), [4, 3]);
  m.initializer('c', floats(3), [3]);
  m.node('MatMul', ['a', 'b'], ['p'], {}, { name: 'mm' });
  m.node('Add', ['p', 'c'], ['y'], {}, { name: 'add' });
  m.output('y', 'float32', ['n', 3]);
  const s = await InferenceSession.create(m.toBytes(), { graphOptimizationLevel: 'basic' });
  t.deepEqual(
    s.planNodes.map((n) => [n.opType, n.fusedFrom]),
    [['Gemm', ['mm', 'add']]],
  );
  const [gemm] = s.planNodes;
  t.deepEqual(gemm.inputs, [
    { name: 'a', type: 'float32', shape: ['n', 4] },
    { name: 'b', type: 'float32', shape: [4, 3] },
    { name: 'c', type: 'float32', shape: [3] },
  ]);
  t.deepEqual(gemm.outputs, [{ name: 'y', type: 'float32', shape: ['n', 3] }]);
  const off = await InferenceSession.create(m.toBytes(), { graphOptimizationLevel: 'disabled' });
  t.true(off.planNodes.every((n) => n.fusedFrom === undefined));
});
