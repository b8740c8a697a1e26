// The exact GELU written out with Erf, x * 0.5 * (1 + erf(x / sqrt(2))), becomes one Gelu node: ai.onnx
// Gelu-20 where the model's opset has it, com.microsoft Gelu otherwise. Accepted spellings: x/sqrt(2) or
// x*(1/sqrt(2)); 1 + erf in either order; the 0.5 on x, on (1 + erf), or on the product.
import { type Node, originsOf } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { type GraphView, makeNode } from '../view.js';

interface Match {
  x: string;
  nodes: Node[];
  out: string;
}

const near = (v: number | undefined, want: number) => v !== undefined && Math.abs(v - want) <= 1e-4 * want;

/** For a binary node reading `name`, its other input. */
const other = (n: Node, name: string) => (n.inputs[0] === name ? n.inputs[1] : n.inputs[0]);

/** x when `d` is x / sqrt(2) or x * (1 / sqrt(2)). */
function scaledInput(d: Node, view: GraphView): string | undefined {
  if (d.opType === 'Div') return near(view.scalar(d.inputs[1]), Math.SQRT2) ? d.inputs[0] : undefined;
  const [a, b] = d.inputs;
  if (near(view.scalar(b), Math.SQRT1_2)) return a;
  return near(view.scalar(a), Math.SQRT1_2) ? b : undefined;
}

/** The node computing `value * 0.5` among the readers of `value`, with `value` read only there. */
function halfOf(value: string, view: GraphView): Node | undefined {
  const mul = view.soleConsumer(value, 'Mul');
  return mul && near(view.scalar(other(mul, value)), 0.5) ? mul : undefined;
}

const gelu = defineRule<Match>({
  name: 'Erf-based GELU',
  ops: ['Erf'],
  pattern: (erf, view) => {
    const d = view.producerOf(erf.inputs[0], 'Div', 'Mul');
    const x = d && view.onlyReadBy(d.outputs[0], erf) ? scaledInput(d, view) : undefined;
    const plusOne = view.soleConsumer(erf.outputs[0], 'Add');
    if (!d || !x || !plusOne || !near(view.scalar(other(plusOne, erf.outputs[0])), 1)) return undefined;
    const sum = plusOne.outputs[0];
    const mul = view.soleConsumer(sum, 'Mul');
    if (!mul) return undefined;
    const factor = other(mul, sum);
    const head = [d, erf, plusOne, mul];
    // (x * 0.5) * (1 + erf)
    const half = view.producerOf(factor, 'Mul');
    if (
      half &&
      view.onlyReadBy(factor, mul) &&
      half.inputs.includes(x) &&
      near(view.scalar(other(half, x)), 0.5)
    )
      return { x, nodes: [...head, half], out: mul.outputs[0] };
    // (x * (1 + erf)) * 0.5
    const tail = factor === x ? halfOf(mul.outputs[0], view) : undefined;
    if (tail) return { x, nodes: [...head, tail], out: tail.outputs[0] };
    // x * ((1 + erf) * 0.5)
    const outer = near(view.scalar(factor), 0.5) ? view.soleConsumer(mul.outputs[0], 'Mul') : undefined;
    if (outer && other(outer, mul.outputs[0]) === x)
      return { x, nodes: [...head, outer], out: outer.outputs[0] };
    return undefined;
  },
  condition: ({ x }, view) => view.elemType(x) === 'float32',
  rewrite: ({ x, nodes, out }, view) => {
    const domain = view.opset() >= 20 && view.hasKernel('', 'Gelu') ? '' : 'com.microsoft';
    if (domain && !view.hasKernel(domain, 'Gelu')) return undefined;
    const fused = makeNode('Gelu', [x], [out], view.fresh('Gelu'), {}, domain);
    fused.fusedFrom = originsOf(nodes);
    return { remove: nodes, add: [fused] };
  },
});

export const fuseGelu = rulePass('fuse-gelu', 'extended', [gelu]);
