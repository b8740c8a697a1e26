// A 2-D MatMul whose only reader adds a bias that broadcasts to its [M, N] result becomes one Gemm
// (Y = A x B + C): the bias joins the matrix product instead of a second pass over the output.
import { type Dim, type Node, originsOf } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { makeNode } from '../view.js';

interface Match {
  matmul: Node;
  add: Node;
  bias: string;
}

/** Gemm's C broadcasts one way only: to [M, N], right-aligned, each dim 1 or equal. */
function broadcastsTo(c: Dim[], mn: Dim[]): boolean {
  if (c.length > 2) return false;
  const tail = mn.slice(2 - c.length);
  return c.every((d, i) => d === 1 || (d !== null && d === tail[i]));
}

const matmulAdd = defineRule<Match>({
  name: 'MatMul + Add -> Gemm',
  ops: ['MatMul'],
  pattern: (matmul, view) => {
    const add = view.soleConsumer(matmul.outputs[0], 'Add');
    if (!add) return undefined;
    const bias = add.inputs[0] === matmul.outputs[0] ? add.inputs[1] : add.inputs[0];
    return { matmul, add, bias };
  },
  condition: ({ matmul, bias }, view) => {
    const [a, b, y, c] = [matmul.inputs[0], matmul.inputs[1], matmul.outputs[0], bias].map((v) =>
      view.shape(v),
    );
    const type = view.elemType(matmul.outputs[0]);
    return (
      view.opset() >= 7 &&
      (type === 'float32' || type === 'float64') &&
      view.elemType(bias) === type &&
      a?.length === 2 &&
      b?.length === 2 &&
      y?.length === 2 &&
      !!c &&
      broadcastsTo(c, y)
    );
  },
  rewrite: ({ matmul, add, bias }) => {
    const gemm = makeNode('Gemm', [matmul.inputs[0], matmul.inputs[1], bias], [add.outputs[0]], matmul.name);
    gemm.fusedFrom = originsOf([matmul, add]);
    return { remove: [matmul, add], add: [gemm] };
  },
});

export const fuseMatMulAdd = rulePass('fuse-matmul-add', 'basic', [matmulAdd]);
