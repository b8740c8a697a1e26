// LayerNormalization over the last dim of a residual sum, LN(a + b) (with b itself possibly m + bias, a
// Linear layer's output) -> com.microsoft SkipLayerNormalization(a, m, gamma, beta, bias): the adds happen
// in the normalization's pass over each row. The sum stays available as output 3 when others read it.
import { type Dim, type Node, originsOf } from '../../ir/types.js';
import { defineRule, type Rule, rulePass } from '../rule-pass.js';
import { attrs, floatAttr, type GraphView, intAttr, makeNode } from '../view.js';

interface Match {
  ln: Node;
  sum: Node;
  input: string;
  skip: string;
  /** The Add that put a 1-D bias on `skip`, folded into the fused node. */
  biasAdd?: Node;
  bias?: string;
}

const sameShape = (a: Dim[] | undefined, b: Dim[] | undefined) =>
  !!a && !!b && a.length === b.length && a.every((d, i) => d !== null && d === b[i]);

/** `name` = m + bias with bias a 1-D constant over the last dim, read only by `reader`. */
function biasOf(name: string, reader: Node, view: GraphView) {
  const add = view.producerOf(name, 'Add');
  if (!add || !view.onlyReadBy(name, reader)) return undefined;
  const at = add.inputs.findIndex((i) => view.constant(i)?.dims.length === 1);
  const m = add.inputs[1 - at];
  return at >= 0 && sameShape(view.shape(m), view.shape(name))
    ? { biasAdd: add, skip: m, bias: add.inputs[at] }
    : undefined;
}

function pattern(ln: Node, view: GraphView): Match | undefined {
  const sum = view.producerOf(ln.inputs[0], 'Add');
  if (!sum || ln.outputs.slice(1).some(Boolean)) return undefined;
  const [a, b] = sum.inputs;
  const shape = view.shape(sum.outputs[0]);
  if (a === b || !sameShape(view.shape(a), shape) || !sameShape(view.shape(b), shape)) return undefined;
  const onB = biasOf(b, sum, view);
  if (onB) return { ln, sum, input: a, ...onB };
  const onA = biasOf(a, sum, view);
  return onA ? { ln, sum, input: b, ...onA } : { ln, sum, input: a, skip: b };
}

function condition({ ln, input, bias }: Match, view: GraphView): boolean {
  const shape = view.shape(input)!;
  const hidden = shape[shape.length - 1];
  const vector = (name: string) => !name || view.constant(name)?.dims.join() === `${hidden}`;
  const axis = intAttr(ln, 'axis', -1);
  return (
    (shape.length === 2 || shape.length === 3) &&
    (axis === -1 || axis === shape.length - 1) &&
    view.elemType(input) === 'float32' &&
    vector(ln.inputs[1]) &&
    vector(ln.inputs[2] ?? '') &&
    vector(bias ?? '') &&
    view.hasKernel('com.microsoft', 'SkipLayerNormalization')
  );
}

function rewrite({ ln, sum, input, skip, biasAdd, bias }: Match, view: GraphView) {
  const sumOut = sum.outputs[0];
  const keepSum = !view.onlyReadBy(sumOut, ln);
  const inputs = [input, skip, ln.inputs[1], ln.inputs[2] ?? '', bias ?? ''];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const outputs = keepSum ? [ln.outputs[0], '', '', sumOut] : [ln.outputs[0]];
  const attributes = { epsilon: attrs.float(floatAttr(ln, 'epsilon', 1e-5)) };
  const fused = makeNode('SkipLayerNormalization', inputs, outputs, ln.name, attributes, 'com.microsoft');
  const remove = [ln, sum, ...(biasAdd ? [biasAdd] : [])];
  fused.fusedFrom = originsOf(remove);
  return { remove, add: [fused] };
}

const rules: Rule[] = ['', 'com.microsoft'].map((domain) =>
  defineRule<Match>({
    name: 'Add + LayerNormalization',
    ops: ['LayerNormalization'],
    domain,
    pattern,
    condition,
    rewrite,
  }),
);

export const fuseSkipLayerNorm = rulePass('fuse-skip-layer-norm', 'extended', rules);
