// fold-transpose-into-gemm (basic) and fold-transpose-into-matmul (extended): a Transpose swapping an
// operand's two matrix dims becomes transA/transB. BERT's key transpose (perm 0,2,3,1) also moves the head
// dim, which no flag expresses, so the benchmark models do not exercise these passes; built graphs do.
import test from 'ava';
import { ModelBuilder } from '../../engine/index.js';
import { compareOnOff, randn, randTensor } from './helpers.js';

test('Gemm(Transpose(A), Transpose(B)) -> Gemm with transA and transB', async (t) => {
  const model = new ModelBuilder({ opset: 13 })
    .input('a', 'float32', [8, 4])
    .initializer('b', Array.from(randn('b', [16, 8])), [16, 8])
    .initializer('c', Array.from(randn('c', [16])), [16])
    .node('Transpose', ['a'], ['at'], { perm: [1, 0] })
    .node('Transpose', ['b'], ['bt'])
    .node('Gemm', ['at', 'bt', 'c'], ['y'], { transB: 0 })
    .output('y', 'float32', [4, 16])
    .toBytes();
  const { on, off } = await compareOnOff(t, model, ['fold-transpose-into-gemm', 'fold-constants'], {
    a: randTensor('a', [8, 4]),
  });
  t.deepEqual(on, { Gemm: 1 }, 'the constant weight transpose folds too');
  t.deepEqual(off, { Transpose: 2, Gemm: 1 });
});

test('2-D MatMul(A, Transpose(B)) -> Gemm with transB', async (t) => {
  const model = new ModelBuilder({ opset: 13 })
    .input('a', 'float32', [4, 8])
    .input('b', 'float32', [16, 8])
    .node('Transpose', ['b'], ['bt'], { perm: [1, 0] })
    .node('MatMul', ['a', 'bt'], ['y'])
    .output('y', 'float32', [4, 16])
    .toBytes();
  const feeds = { a: randTensor('a', [4, 8]), b: randTensor('b', [16, 8]) };
  const { on, off } = await compareOnOff(t, model, ['fold-transpose-into-gemm'], feeds);
  t.deepEqual(on, { Gemm: 1 });
  t.deepEqual(off, { 'com.microsoft.FusedMatMul': 1 }, 'the extended pass catches it otherwise');
});

function batched(perm: number[], shapeB: number[]): Uint8Array {
  return new ModelBuilder({ opset: 13 })
    .input('a', 'float32', [2, 3, 4, 8])
    .input('b', 'float32', shapeB)
    .input('c', 'float32', [2, 3, 4, 4])
    .node('Transpose', ['b'], ['bt'], { perm })
    .node('MatMul', ['a', 'bt'], ['m'])
    .node('Transpose', ['c'], ['ct'], { perm: [0, 1, 3, 2] })
    .node('MatMul', ['ct', 'm'], ['y'])
    .output('y', 'float32', [2, 3, 4, 16])
    .toBytes();
}

test('N-D MatMul with swapped operands -> com.microsoft FusedMatMul, and a second Transpose folds into it', async (t) => {
  const feeds = {
    a: randTensor('a', [2, 3, 4, 8]),
    b: randTensor('b', [2, 3, 16, 8]),
    c: randTensor('c', [2, 3, 4, 4]),
  };
  const { on, off } = await compareOnOff(
    t,
    batched([0, 1, 3, 2], [2, 3, 16, 8]),
    ['fold-transpose-into-matmul'],
    feeds,
  );
  t.deepEqual(on, { 'com.microsoft.FusedMatMul': 2 });
  t.deepEqual(off, { Transpose: 2, MatMul: 2 });
});

test('a Transpose that moves batch dims stays', async (t) => {
  const feeds = {
    a: randTensor('a', [2, 3, 4, 8]),
    b: randTensor('b', [3, 2, 8, 16]),
    c: randTensor('c', [2, 3, 4, 4]),
  };
  const { on } = await compareOnOff(
    t,
    batched([1, 0, 2, 3], [3, 2, 8, 16]),
    ['fold-transpose-into-matmul'],
    feeds,
  );
  t.deepEqual(on, { Transpose: 1, MatMul: 1, 'com.microsoft.FusedMatMul': 1 });
});
