// Gelu(A + bias), bias a 1-D constant over A's last dim (a Linear layer's bias before its activation) ->
// com.microsoft BiasGelu: the bias add happens inside the activation's pass over the data.
import { type Node, originsOf } from '../../ir/types.js';
import { defineRule, type Rule, rulePass } from '../rule-pass.js';
import { type GraphView, makeNode } from '../view.js';

interface Match {
  add: Node;
  gelu: Node;
  input: string;
  bias: string;
}

function pattern(gelu: Node, view: GraphView): Match | undefined {
  const add = view.producerOf(gelu.inputs[0], 'Add');
  if (!add || !view.onlyReadBy(add.outputs[0], gelu)) return undefined;
  const at = add.inputs.findIndex((i) => view.constant(i)?.dims.length === 1);
  if (at < 0) return undefined;
  return { add, gelu, input: add.inputs[1 - at], bias: add.inputs[at] };
}

function condition({ input, bias }: Match, view: GraphView): boolean {
  const shape = view.shape(input);
  return (
    !!shape &&
    shape.length >= 1 &&
    shape[shape.length - 1] === view.constant(bias)!.dims[0] &&
    view.elemType(input) === 'float32' &&
    view.elemType(bias) === 'float32' &&
    view.hasKernel('com.microsoft', 'BiasGelu')
  );
}

function rewrite({ add, gelu, input, bias }: Match) {
  const fused = makeNode('BiasGelu', [input, bias], [gelu.outputs[0]], gelu.name, {}, 'com.microsoft');
  fused.fusedFrom = originsOf([add, gelu]);
  return { remove: [add, gelu], add: [fused] };
}

const rules: Rule[] = [
  defineRule<Match>({
    name: 'Add + Gelu',
    ops: ['Gelu'],
    domain: 'com.microsoft',
    pattern,
    condition,
    rewrite,
  }),
  defineRule<Match>({
    name: 'Add + Gelu-20',
    ops: ['Gelu'],
    pattern: (node, view) =>
      (node.attributes.get('approximate')?.value ?? 'none') === 'none' ? pattern(node, view) : undefined,
    condition,
    rewrite,
  }),
];

export const fuseBiasGelu = rulePass('fuse-bias-gelu', 'extended', rules);
