// LayerNorm written out over the trailing axes,
//   d = x - ReduceMean(x); y = d / Sqrt(ReduceMean(Pow(d, 2)) + eps) * gamma + beta,
// becomes one LayerNormalization(x, gamma, beta). It is emitted in ai.onnx whenever a kernel resolves there
// at the model's opset (our registry, like onnxruntime's, has it from version 1, so opset-14 BERT exports
// qualify and the saved model still loads in onnxruntime), else as com.microsoft LayerNormalization.
import { type Node, originsOf } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { attrs, type GraphView, intAttr, intsAttr, makeNode } from '../view.js';
import { numbersOf } from '../tensors.js';

interface Match {
  x: string;
  axes: number[];
  eps: number;
  gamma: string;
  beta: string;
  nodes: Node[];
  out: string;
}

const other = (n: Node, name: string) => (n.inputs[0] === name ? n.inputs[1] : n.inputs[0]);

/** A ReduceMean's axes (attribute before opset 18, input after), or undefined when not constant. */
function axesOf(rm: Node, view: GraphView): number[] | undefined {
  if (intAttr(rm, 'keepdims', 1) !== 1) return undefined;
  if (view.opset() < 18) return intsAttr(rm, 'axes');
  const t = rm.inputs[1] ? view.constant(rm.inputs[1]) : undefined;
  return t && numbersOf(t);
}

/** The axes when they are the last k of a rank-r tensor, normalized to non-negative and sorted. */
function trailing(axes: number[] | undefined, rank: number): number[] | undefined {
  const sorted = axes?.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  return sorted?.length && sorted.every((a, i) => a === rank - sorted.length + i) ? sorted : undefined;
}

function pattern(mean: Node, view: GraphView): Match | undefined {
  const x = mean.inputs[0];
  const sub = view.soleConsumer(mean.outputs[0], 'Sub');
  if (!sub || sub.inputs[0] !== x || sub.inputs[1] !== mean.outputs[0]) return undefined;
  const d = sub.outputs[0];
  const readers = view.consumers(d);
  const pow = readers.find((n) => n.opType === 'Pow' && n.inputs[0] === d);
  const div = readers.find((n) => n.opType === 'Div' && n.inputs[0] === d);
  if (!pow || !div || readers.length !== 2 || view.isPinned(d) || view.scalar(pow.inputs[1]) !== 2)
    return undefined;
  const variance = view.soleConsumer(pow.outputs[0], 'ReduceMean');
  const plusEps = variance && view.soleConsumer(variance.outputs[0], 'Add');
  const eps = plusEps && view.scalar(other(plusEps, variance!.outputs[0]));
  const sqrt = plusEps && view.soleConsumer(plusEps.outputs[0], 'Sqrt');
  if (!variance || eps === undefined || !sqrt || div.inputs[1] !== sqrt.outputs[0]) return undefined;
  if (!view.onlyReadBy(sqrt.outputs[0], div)) return undefined;
  const scale = view.soleConsumer(div.outputs[0], 'Mul');
  const shift = scale && view.soleConsumer(scale.outputs[0], 'Add');
  if (!scale || !shift) return undefined;
  const rank = view.shape(x)?.length ?? -1;
  const axes = trailing(axesOf(mean, view), rank);
  if (!axes || axes.join() !== trailing(axesOf(variance, view), rank)?.join()) return undefined;
  return {
    x,
    axes,
    eps,
    gamma: other(scale, div.outputs[0]),
    beta: other(shift, scale.outputs[0]),
    nodes: [mean, sub, pow, variance, plusEps!, sqrt, div, scale, shift],
    out: shift.outputs[0],
  };
}

/** gamma and beta are constants shaped like the normalized dims (which must be known). */
function condition({ x, axes, gamma, beta }: Match, view: GraphView): boolean {
  const shape = view.shape(x)!;
  const normalized = axes.map((a) => shape[a]);
  const fits = (name: string) => {
    const t = view.constant(name);
    return t?.type === 'float32' && t.dims.join() === normalized.join();
  };
  return (
    view.elemType(x) === 'float32' &&
    normalized.every((d) => typeof d === 'number') &&
    fits(gamma) &&
    fits(beta)
  );
}

const layerNorm = defineRule<Match>({
  name: 'decomposed LayerNorm',
  ops: ['ReduceMean'],
  pattern,
  condition,
  rewrite: ({ x, axes, eps, gamma, beta, nodes, out }, view) => {
    const domain = view.hasKernel('', 'LayerNormalization') ? '' : 'com.microsoft';
    if (domain && !view.hasKernel(domain, 'LayerNormalization')) return undefined;
    const attributes = { axis: attrs.int(-axes.length), epsilon: attrs.float(eps) };
    const ln = makeNode(
      'LayerNormalization',
      [x, gamma, beta],
      [out],
      view.fresh('LayerNorm'),
      attributes,
      domain,
    );
    ln.fusedFrom = originsOf(nodes);
    return { remove: nodes, add: [ln] };
  },
});

export const fuseLayerNorm = rulePass('fuse-layer-norm', 'extended', [layerNorm]);
