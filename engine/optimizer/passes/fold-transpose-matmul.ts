// A Transpose that swaps the two matrix dims of a MatMul/Gemm operand disappears into the product:
// Gemm toggles transA/transB; a 2-D MatMul becomes such a Gemm (basic, standard ops); an N-D MatMul becomes
// com.microsoft FusedMatMul, whose kernel reads the operand through strides (extended).
import { type Attribute, type Node, originsOf } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { attrs, type GraphView, intAttr, intsAttr, makeNode } from '../view.js';

interface Folded {
  node: Node;
  /** Per operand: the Transpose it comes through, or nothing. */
  transposes: (Node | undefined)[];
}

/** True when the Transpose swaps the last two dims and keeps the others in place. */
function swapsLastTwo(t: Node, view: GraphView): boolean {
  const rank = view.shape(t.inputs[0])?.length;
  if (rank === undefined || rank < 2) return false;
  const perm = intsAttr(t, 'perm') ?? [...Array(rank).keys()].reverse();
  return (
    perm.length === rank &&
    perm.every((p, i) => p === (i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2))
  );
}

/** `batchFlags`: attributes that, when set on the node, make an operand's layout more than a transpose. */
function foldable(node: Node, view: GraphView, batchFlags: string[] = []): Folded | undefined {
  const transposes = [0, 1].map((i) => {
    const t = view.producerOf(node.inputs[i], 'Transpose');
    const plain = !batchFlags[i] || intAttr(node, batchFlags[i], 0) === 0;
    return t && plain && swapsLastTwo(t, view) ? t : undefined;
  });
  return transposes.some(Boolean) ? { node, transposes } : undefined;
}

/** The node reading the Transposes' inputs, with the transpose flags toggled; Transposes nobody else reads go. */
function refold(m: Folded, view: GraphView, node: Node, transFlags: string[]) {
  const attributes: Record<string, Attribute> = Object.fromEntries(node.attributes);
  const inputs = [...node.inputs];
  m.transposes.forEach((t, i) => {
    if (!t) return;
    inputs[i] = t.inputs[0];
    attributes[transFlags[i]] = attrs.int(1 - intAttr(m.node, transFlags[i], 0));
  });
  const gone = m.transposes.filter((t): t is Node => !!t && view.onlyReadBy(t.outputs[0], m.node));
  const fusedFrom = gone.length ? originsOf([m.node, ...gone]) : m.node.fusedFrom;
  const out: Node = { ...node, inputs, attributes: new Map(Object.entries(attributes)) };
  if (fusedFrom) out.fusedFrom = fusedFrom;
  return { remove: [m.node, ...gone], add: [out] };
}

const isFloat = (view: GraphView, name: string) => ['float32', 'float64'].includes(view.elemType(name) ?? '');

const gemm = defineRule<Folded>({
  name: 'Transpose into Gemm',
  ops: ['Gemm'],
  pattern: (node, view) => foldable(node, view),
  rewrite: (m, view) => refold(m, view, m.node, ['transA', 'transB']),
});

const matmul2d = defineRule<Folded>({
  name: 'Transpose into a 2-D MatMul -> Gemm',
  ops: ['MatMul'],
  pattern: (node, view) => foldable(node, view),
  condition: (m, view) =>
    view.opset() >= 11 && // Gemm's C is optional from 11
    isFloat(view, m.node.outputs[0]) &&
    m.node.inputs.every((i) => view.shape(i)?.length === 2),
  rewrite: (m, view) =>
    refold(m, view, makeNode('Gemm', m.node.inputs, m.node.outputs, m.node.name), ['transA', 'transB']),
});

const matmulNd = defineRule<Folded>({
  name: 'Transpose into MatMul -> FusedMatMul',
  ops: ['MatMul'],
  pattern: (node, view) => foldable(node, view),
  condition: (m, view) =>
    view.elemType(m.node.outputs[0]) === 'float32' && view.hasKernel('com.microsoft', 'FusedMatMul'),
  rewrite: (m, view) => {
    const fused = makeNode('FusedMatMul', m.node.inputs, m.node.outputs, m.node.name, {}, 'com.microsoft');
    return refold(m, view, fused, ['transA', 'transB']);
  },
});

const fusedMatmul = defineRule<Folded>({
  name: 'Transpose into FusedMatMul',
  ops: ['FusedMatMul'],
  domain: 'com.microsoft',
  pattern: (node, view) => foldable(node, view, ['transBatchA', 'transBatchB']),
  rewrite: (m, view) => refold(m, view, m.node, ['transA', 'transB']),
});

export const foldTransposeIntoGemm = rulePass('fold-transpose-into-gemm', 'basic', [gemm, matmul2d]);
export const foldTransposeIntoMatMul = rulePass('fold-transpose-into-matmul', 'extended', [
  matmulNd,
  fusedMatmul,
]);
