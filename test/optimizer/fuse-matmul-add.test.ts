// fuse-matmul-add: a 2-D MatMul plus a bias that broadcasts to its result -> Gemm. The benchmark models have
// no such pair (their classifiers are Gemm already; BERT's MatMuls are 3-D), so only built graphs test it.
import test from 'ava';
import { ModelBuilder } from '../../engine/index.js';
import { compareOnOff, randn, randTensor } from './helpers.js';

const PASS = 'fuse-matmul-add';

function model(aShape: number[], biasDims: number[], biasFirst = false): Uint8Array {
  const out = [...aShape.slice(0, -1), 16];
  return new ModelBuilder({ opset: 13 })
    .input('a', 'float32', aShape)
    .initializer('b', Array.from(randn('b', [8, 16])), [8, 16])
    .initializer('c', Array.from(randn('c', biasDims)), biasDims)
    .node('MatMul', ['a', 'b'], ['m'])
    .node('Add', biasFirst ? ['c', 'm'] : ['m', 'c'], ['y'])
    .output('y', 'float32', out)
    .toBytes();
}

for (const [name, bias, first] of [
  ['a row bias [16]', [16], false],
  ['a bias before the product', [16], true],
  ['a column bias [4, 1]', [4, 1], false],
  ['a full bias [4, 16]', [4, 16], false],
] as [string, number[], boolean][]) {
  test(`2-D MatMul + ${name} -> Gemm`, async (t) => {
    const { on, off } = await compareOnOff(t, model([4, 8], bias, first), [PASS], {
      a: randTensor('a', [4, 8]),
    });
    t.deepEqual(on, { Gemm: 1 });
    t.deepEqual(off, { MatMul: 1, Add: 1 });
  });
}

test('a 3-D MatMul and a bias that would grow the result stay as they are', async (t) => {
  const a3 = await compareOnOff(t, model([2, 4, 8], [16]), [PASS], { a: randTensor('a', [2, 4, 8]) });
  t.deepEqual(a3.on, { MatMul: 1, Add: 1 });
  const wide = new ModelBuilder({ opset: 13 })
    .input('a', 'float32', [4, 8])
    .initializer('b', Array.from(randn('b', [8, 16])), [8, 16])
    .initializer('c', Array.from(randn('c', [3, 4, 16])), [3, 4, 16])
    .node('MatMul', ['a', 'b'], ['m'])
    .node('Add', ['m', 'c'], ['y'])
    .output('y', 'float32', [3, 4, 16])
    .toBytes();
  const w = await compareOnOff(t, wide, [PASS], { a: randTensor('a', [4, 8]) });
  t.deepEqual(w.on, { MatMul: 1, Add: 1 });
});
