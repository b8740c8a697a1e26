// Shape and Size of values whose dims shape inference knows become constants, and so do Gathers that pick
// known dims out of a Shape (the HF-export idiom `x.size(2)`); fold-constants then folds what reads them.
import type { Dim, Node } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { int64Tensor, numbersOf } from '../tensors.js';
import { type GraphView, intAttr } from '../view.js';

/** The dims a Shape node reports (its start/end window, opset 15), or undefined when the rank is unknown. */
function shapeWindow(shape: Node, view: GraphView): Dim[] | undefined {
  const dims = view.shape(shape.inputs[0]);
  if (!dims) return undefined;
  const r = dims.length;
  const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
  return dims.slice(clamp(intAttr(shape, 'start', 0)), clamp(intAttr(shape, 'end', r)));
}

const known = (dims: Dim[] | undefined): dims is number[] =>
  !!dims && dims.every((d) => typeof d === 'number');

const shapeRule = defineRule({
  name: 'Shape of a static shape',
  ops: ['Shape'],
  pattern: (node, view) => {
    const dims = shapeWindow(node, view);
    return known(dims) && !view.isPinned(node.outputs[0]) ? { node, dims } : undefined;
  },
  rewrite: ({ node, dims }) => ({
    remove: [node],
    add: [],
    initializers: [int64Tensor(node.outputs[0], [dims.length], dims)],
  }),
});

const sizeRule = defineRule({
  name: 'Size of a static shape',
  ops: ['Size'],
  pattern: (node, view) => {
    const dims = view.staticShape(node.inputs[0]);
    return dims && !view.isPinned(node.outputs[0]) ? { node, dims } : undefined;
  },
  rewrite: ({ node, dims }) => ({
    remove: [node],
    add: [],
    initializers: [int64Tensor(node.outputs[0], [], [dims.reduce((a, b) => a * b, 1)])],
  }),
});

const gatherRule = defineRule({
  name: 'Gather of known dims from a Shape',
  ops: ['Gather'],
  pattern: (node, view) => {
    const shape = view.producerOf(node.inputs[0], 'Shape');
    const index = view.constant(node.inputs[1]);
    if (!shape || !index || intAttr(node, 'axis', 0) !== 0 || view.isPinned(node.outputs[0]))
      return undefined;
    return { node, dims: shapeWindow(shape, view), index };
  },
  rewrite: ({ node, dims, index }) => {
    const at = index && numbersOf(index);
    if (!dims || !at) return undefined;
    const picked = at.map((i) => dims[i < 0 ? i + dims.length : i]);
    if (!known(picked)) return undefined;
    return { remove: [node], add: [], initializers: [int64Tensor(node.outputs[0], [...index.dims], picked)] };
  },
});

export const foldShapeOps = rulePass('fold-shape-ops', 'basic', [shapeRule, sizeRule, gatherRule]);
