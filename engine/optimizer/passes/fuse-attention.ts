// Multi-head self/cross attention written out (as PyTorch exports it) -> one com.microsoft MultiHeadAttention:
//
//   q, k, v: [B, S, N*H] (each maybe MatMul + 1-D bias)  -> Reshape [B, S, N, H]
//   Transpose(q, 0213) x Transpose(k, 0231) -> (/ c or * c) -> (+ additive mask) -> Softmax(last axis)
//   x Transpose(v, 0213) -> Transpose 0213 -> Reshape [B, S, N*H]
//
// becomes MultiHeadAttention(q, k, v, bias, -, mask) with num_heads N and the explicit scale, so the head
// split, both products, the softmax and the head merge happen in one kernel without the intermediate
// [B, N, S, S] tensors. Constant q/k/v biases move into the fused node's bias input (one pass fewer over each
// projection); Shape nodes that read a biased projection (they size the Reshapes, and go dead with them) are
// pointed at the unbiased MatMul output instead, which has the same shape. A padding mask broadcast over the
// queries ([B, 1, 1, T], as PyTorch exports it) is expanded to [B, 1, S, T] first: onnxruntime's
// MultiHeadAttention takes attention_bias only with the query dim spelled out, and optimized models must load
// there.
import { type Dim, type Node, originsOf, type TensorData } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { attrs, type GraphView, intAttr, intsAttr, makeNode } from '../view.js';
import { float32Of, int64Tensor } from '../tensors.js';

interface Head {
  /** The projection [B, S, N*H] that feeds the Reshape. */
  proj: string;
  reshape: Node;
  transpose: Node;
  /** proj = mm + bias, with bias a constant [N*H]. */
  biasAdd?: Node;
  mm?: string;
  bias?: TensorData;
}

interface Match {
  q: Head;
  k: Head;
  v: Head;
  qk: Node;
  scaleNode?: Node;
  scale: number;
  maskAdd?: Node;
  mask?: string;
  softmax: Node;
  pv: Node;
  merge: Node;
  out: Node;
  heads: number;
  headSize: number;
}

const samePerm = (n: Node, perm: number[]) => intsAttr(n, 'perm')?.join() === perm.join();
const known = (d: Dim | undefined): d is number => typeof d === 'number';

/** Transpose(Reshape(proj, [.., .., N, H]), perm) read only by `reader`. */
function headOf(name: string, perm: number[], reader: Node, view: GraphView): Head | undefined {
  const transpose = view.producerOf(name, 'Transpose');
  if (!transpose || !samePerm(transpose, perm) || !view.onlyReadBy(name, reader)) return undefined;
  const reshape = view.producerOf(transpose.inputs[0], 'Reshape');
  if (!reshape || !view.onlyReadBy(reshape.outputs[0], transpose)) return undefined;
  const proj = reshape.inputs[0];
  if (view.shape(proj)?.length !== 3 || view.shape(reshape.outputs[0])?.length !== 4) return undefined;
  const head: Head = { proj, reshape, transpose };
  // A constant bias on the projection moves into the fused node when nothing but Shape nodes and this
  // Reshape read the biased value.
  const add = view.producerOf(proj, 'Add');
  if (add) {
    const at = add.inputs.findIndex((i) => view.constant(i)?.dims.length === 1);
    const bias = at >= 0 ? view.constant(add.inputs[at]) : undefined;
    const mm = add.inputs[1 - at];
    const others = view.consumers(proj).filter((c) => c !== reshape);
    const shapeOnly = others.every((c) => c.domain === '' && c.opType === 'Shape' && c.inputs.length === 1);
    // mm + bias has mm's shape when mm is 3-D with the bias's length as its last dim.
    const last = view.shape(mm)?.length === 3 ? view.shape(mm)![2] : undefined;
    const sameDims = known(last) && bias?.dims[0] === last;
    if (bias && float32Of(bias) && shapeOnly && sameDims && !view.isPinned(proj))
      Object.assign(head, { biasAdd: add, mm, bias });
  }
  return head;
}

/** x / c or x * c (either side) with c a finite non-zero scalar constant and x a MatMul's output. */
function scaleOf(n: Node, view: GraphView): { scale: number; input: string } | undefined {
  const sides = n.opType === 'Div' ? [0] : [0, 1];
  for (const i of sides) {
    const c = view.scalar(n.inputs[1 - i]);
    if (c === undefined || c === 0 || !isFinite(c) || !view.producerOf(n.inputs[i], 'MatMul')) continue;
    return { scale: n.opType === 'Div' ? 1 / c : c, input: n.inputs[i] };
  }
  return undefined;
}

function pattern(softmax: Node, view: GraphView): Match | undefined {
  if (view.shape(softmax.inputs[0])?.length !== 4) return undefined;
  const axis = intAttr(softmax, 'axis', view.opset() >= 13 ? -1 : 1);
  if (axis !== -1 && axis !== 3) return undefined;
  let scores = softmax.inputs[0];
  let reader = softmax;
  const m: Partial<Match> = { softmax, scale: 1 };
  const maskAdd = view.producerOf(scores, 'Add');
  if (maskAdd && view.onlyReadBy(scores, reader)) {
    // The mask is the operand that is not the (scaled) product.
    const at = maskAdd.inputs.findIndex((i) => {
      const p = view.producerOf(i, 'Div', 'Mul', 'MatMul');
      return !!p && (p.opType === 'MatMul' || !!scaleOf(p, view));
    });
    if (at < 0) return undefined;
    Object.assign(m, { maskAdd, mask: maskAdd.inputs[1 - at] });
    scores = maskAdd.inputs[at];
    reader = maskAdd;
  }
  const scaleNode = view.producerOf(scores, 'Div', 'Mul');
  if (scaleNode && view.onlyReadBy(scores, reader)) {
    const s = scaleOf(scaleNode, view);
    if (!s) return undefined;
    Object.assign(m, { scaleNode, scale: s.scale });
    scores = s.input;
    reader = scaleNode;
  }
  const qk = view.producerOf(scores, 'MatMul');
  if (!qk || !view.onlyReadBy(scores, reader)) return undefined;
  const pv = view.soleConsumer(softmax.outputs[0], 'MatMul');
  if (!pv || pv.inputs[0] !== softmax.outputs[0]) return undefined;
  const merge = view.soleConsumer(pv.outputs[0], 'Transpose');
  const out = merge && samePerm(merge, [0, 2, 1, 3]) && view.soleConsumer(merge.outputs[0], 'Reshape');
  if (!merge || !out) return undefined;
  const q = headOf(qk.inputs[0], [0, 2, 1, 3], qk, view);
  const k = headOf(qk.inputs[1], [0, 2, 3, 1], qk, view);
  const v = headOf(pv.inputs[1], [0, 2, 1, 3], pv, view);
  if (!q || !k || !v) return undefined;
  const [, , heads, headSize] = view.shape(q.reshape.outputs[0])!;
  if (!known(heads) || !known(headSize)) return undefined;
  return { ...m, q, k, v, qk, pv, merge, out, heads, headSize } as Match;
}

function condition(m: Match, view: GraphView): boolean {
  const hidden = m.heads * m.headSize;
  const split = (h: Head) => {
    const [b, s, n, d] = view.shape(h.reshape.outputs[0])!;
    const [pb, ps, ph] = view.shape(h.proj)!;
    return (
      n === m.heads && d === m.headSize && ph === hidden && b === pb && s === ps && b !== null && s !== null
    );
  };
  const outShape = view.shape(m.out.outputs[0]);
  const mask = m.mask ? view.shape(m.mask) : undefined;
  const biases = [m.q, m.k, m.v].filter((h) => h.bias).length;
  return (
    [m.q, m.k, m.v].every((h) => view.elemType(h.proj) === 'float32' && split(h)) &&
    view.shape(m.q.proj)![0] === view.shape(m.k.proj)![0] &&
    view.shape(m.k.proj)![1] === view.shape(m.v.proj)![1] &&
    outShape?.length === 3 &&
    outShape[2] === hidden &&
    (biases === 0 || biases === 3) &&
    (!m.mask || (view.elemType(m.mask) === 'float32' && mask?.length === 4 && view.opset() >= 8)) &&
    view.hasKernel('com.microsoft', 'MultiHeadAttention')
  );
}

function rewrite(m: Match, view: GraphView) {
  const heads = [m.q, m.k, m.v];
  const biased = heads.every((h) => h.bias);
  const remove: Node[] = [
    ...heads.flatMap((h) => [h.reshape, h.transpose]),
    m.qk,
    ...(m.scaleNode ? [m.scaleNode] : []),
    ...(m.maskAdd ? [m.maskAdd] : []),
    m.softmax,
    m.pv,
    m.merge,
    m.out,
  ];
  const initializers: TensorData[] = [];
  let bias = '';
  if (biased) {
    bias = view.fresh(`${m.out.name}_qkv_bias`);
    const values = heads.flatMap((h) => Array.from(float32Of(h.bias!)!));
    const data = new Uint8Array(Float32Array.from(values).buffer);
    initializers.push({ name: bias, type: 'float32', dims: [values.length], data });
    for (const h of heads) {
      remove.push(h.biasAdd!);
      // The other readers are Shape nodes; the unbiased product has the same shape and comes earlier, so
      // this edit is right whether or not the fusion goes ahead in this round.
      for (const c of view.consumers(h.proj)) if (c !== h.reshape) c.inputs = [h.mm!];
    }
  }
  const qkv = heads.map((h) => (biased ? h.mm! : h.proj));
  const shapeNodes: Node[] = [];
  let mask = m.mask ?? '';
  const queries = view.shape(m.q.proj)![1];
  if (mask && !(queries !== null && view.shape(mask)![2] === queries)) {
    // Expand(mask, [1, 1, S, 1]) with S read from the query at run time.
    const name = (what: string) => view.fresh(`${m.out.name}_${what}`);
    const [ones, one, index] = [name('ones'), name('one'), name('index')];
    initializers.push(
      int64Tensor(ones, [2], [1, 1]),
      int64Tensor(one, [1], [1]),
      int64Tensor(index, [1], [1]),
    );
    const [qShape, rows, target, full] = [name('q_shape'), name('rows'), name('target'), name('mask')];
    const node = (op: string, ins: string[], out: string, a = {}) => makeNode(op, ins, [out], name(op), a);
    shapeNodes.push(
      node('Shape', [qkv[0]], qShape),
      node('Gather', [qShape, index], rows, { axis: attrs.int(0) }),
      node('Concat', [ones, rows, one], target, { axis: attrs.int(0) }),
      node('Expand', [mask, target], full),
    );
    mask = full;
  }
  const inputs = [...qkv, bias, '', mask];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const fused = makeNode(
    'MultiHeadAttention',
    inputs,
    [m.out.outputs[0]],
    m.out.name,
    { num_heads: attrs.int(m.heads), scale: attrs.float(m.scale) },
    'com.microsoft',
  );
  fused.fusedFrom = originsOf(remove);
  return { remove, add: [...shapeNodes, fused], initializers };
}

export const fuseAttention = rulePass('fuse-attention', 'extended', [
  defineRule<Match>({
    name: 'attention -> MultiHeadAttention',
    ops: ['Softmax'],
    pattern,
    condition,
    rewrite,
  }),
]);
