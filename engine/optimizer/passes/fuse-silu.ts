// SiLU / Swish written out, x * Sigmoid(x), becomes com.microsoft QuickGelu with alpha 1
// (QuickGelu(x) = x * sigmoid(alpha * x)): one pass over the data instead of two, no intermediate tensor.
import { type Node, originsOf } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { attrs, makeNode } from '../view.js';

interface Match {
  sigmoid: Node;
  mul: Node;
}

const silu = defineRule<Match>({
  name: 'x * Sigmoid(x)',
  ops: ['Sigmoid'],
  pattern: (sigmoid, view) => {
    const mul = view.soleConsumer(sigmoid.outputs[0], 'Mul');
    return mul && mul.inputs.includes(sigmoid.inputs[0]) ? { sigmoid, mul } : undefined;
  },
  condition: ({ sigmoid }, view) =>
    view.elemType(sigmoid.inputs[0]) === 'float32' && view.hasKernel('com.microsoft', 'QuickGelu'),
  rewrite: ({ sigmoid, mul }) => {
    const attributes = { alpha: attrs.float(1) };
    const fused = makeNode(
      'QuickGelu',
      [sigmoid.inputs[0]],
      mul.outputs,
      mul.name,
      attributes,
      'com.microsoft',
    );
    fused.fusedFrom = originsOf([sigmoid, mul]);
    return { remove: [sigmoid, mul], add: [fused] };
  },
});

export const fuseSilu = rulePass('fuse-silu', 'extended', [silu]);
