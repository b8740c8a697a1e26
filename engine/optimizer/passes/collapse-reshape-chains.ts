// Chains of ops that only reinterpret dims (Reshape, Squeeze, Unsqueeze, Flatten) collapse to one node: the
// data keeps its order, so only the last shape matters. Unsqueeze after Unsqueeze merges its axes; anything
// else becomes a Reshape to the final shape, when that shape is a constant or statically known.
import { type Node, originsOf } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { int64Tensor, numbersOf } from '../tensors.js';
import { attrs, type GraphView, intAttr, intsAttr, makeNode } from '../view.js';

const VIEW_OPS = ['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten'];

interface Chain {
  outer: Node;
  inner: Node;
}

function chain(outer: Node, view: GraphView): Chain | undefined {
  const inner = view.producerOf(outer.inputs[0], ...VIEW_OPS);
  return inner && { outer, inner };
}

/** The outer node reads the chain's source directly; the inner one goes when nothing else reads it. */
function collapse(
  { outer, inner }: Chain,
  view: GraphView,
  replacement: Node,
  extra: ReturnType<typeof int64Tensor>[] = [],
) {
  const innerGoes = view.onlyReadBy(inner.outputs[0], outer);
  const fusedFrom = innerGoes ? originsOf([inner, outer]) : outer.fusedFrom;
  if (fusedFrom) replacement.fusedFrom = fusedFrom;
  return { remove: innerGoes ? [inner, outer] : [outer], add: [replacement], initializers: extra };
}

function unsqueezeAxes(n: Node, view: GraphView): number[] | undefined {
  if (view.opset() < 13) return intsAttr(n, 'axes');
  const t = view.constant(n.inputs[1]);
  return t && numbersOf(t);
}

/** The new-dim positions of Unsqueeze(a2) after Unsqueeze(a1) on a rank-r input, in the final output. */
function mergedAxes(r: number, a1: number[], a2: number[]): number[] | undefined {
  const r1 = r + a1.length;
  const r2 = r1 + a2.length;
  const n1 = a1.map((a) => (a < 0 ? a + r1 : a));
  const n2 = a2.map((a) => (a < 0 ? a + r2 : a));
  if (new Set(n1).size !== n1.length || new Set(n2).size !== n2.length) return undefined;
  let j = 0;
  const out: number[] = [];
  for (let i = 0; i < r2; i++) if (n2.includes(i) || n1.includes(j++)) out.push(i);
  return out;
}

const unsqueezeTwice = defineRule<Chain>({
  name: 'Unsqueeze of Unsqueeze',
  ops: ['Unsqueeze'],
  pattern: (outer, view) => {
    const c = chain(outer, view);
    return c?.inner.opType === 'Unsqueeze' ? c : undefined;
  },
  rewrite: (c, view) => {
    const source = c.inner.inputs[0];
    const rank = view.shape(source)?.length;
    const [a1, a2] = [unsqueezeAxes(c.inner, view), unsqueezeAxes(c.outer, view)];
    const axes = rank !== undefined && a1 && a2 ? mergedAxes(rank, a1, a2) : undefined;
    if (!axes) return undefined;
    if (view.opset() < 13) {
      const node = makeNode('Unsqueeze', [source], c.outer.outputs, c.outer.name, { axes: attrs.ints(axes) });
      return collapse(c, view, node);
    }
    const name = view.fresh(`${c.outer.name}_axes`);
    const node = makeNode('Unsqueeze', [source, name], c.outer.outputs, c.outer.name);
    return collapse(c, view, node, [int64Tensor(name, [axes.length], axes)]);
  },
});

const toReshape = defineRule<Chain>({
  name: 'view op of a view op -> Reshape',
  ops: VIEW_OPS,
  pattern: chain,
  rewrite: (c, view) => {
    const source = c.inner.inputs[0];
    // A constant Reshape target without 0 (copy-this-dim) entries says the same thing about any input.
    const target = c.outer.opType === 'Reshape' ? view.constant(c.outer.inputs[1]) : undefined;
    const dims = target && numbersOf(target);
    if (dims && (intAttr(c.outer, 'allowzero', 0) === 1 || !dims.includes(0)))
      return collapse(c, view, { ...c.outer, inputs: [source, c.outer.inputs[1]] });
    const shape = view.staticShape(c.outer.outputs[0]);
    if (!shape || shape.includes(0)) return undefined; // 0 would mean "copy" to Reshape
    const name = view.fresh(`${c.outer.name}_shape`);
    const node = makeNode('Reshape', [source, name], c.outer.outputs, c.outer.name);
    return collapse(c, view, node, [int64Tensor(name, [shape.length], shape)]);
  },
});

export const collapseReshapeChains = rulePass('collapse-reshape-chains', 'basic', [
  unsqueezeTwice,
  toReshape,
]);
