// Inference BatchNormalization after a Conv folds into the Conv's weights and bias:
// W' = W * s, B' = (B - mean) * s + beta with s = scale / sqrt(var + epsilon), per output channel.
import { type Node, originsOf } from '../../ir/types.js';
import { defineRule, rulePass } from '../rule-pass.js';
import { float32Of, float32Tensor } from '../tensors.js';
import { type GraphView, floatAttr, intAttr } from '../view.js';

interface Match {
  conv: Node;
  bn: Node;
}

/** The float32 contents of a constant with `count` elements. */
function floats(view: GraphView, name: string, count: number): Float32Array | undefined {
  const t = view.constant(name);
  const v = t && float32Of(t);
  return v && v.length === count ? v : undefined;
}

const convBatchNorm = defineRule<Match>({
  name: 'Conv + BatchNormalization',
  ops: ['BatchNormalization'],
  pattern: (bn, view) => {
    const conv = view.producerOf(bn.inputs[0], 'Conv');
    return conv && view.onlyReadBy(conv.outputs[0], bn) ? { conv, bn } : undefined;
  },
  condition: ({ conv, bn }, view) =>
    bn.outputs.filter(Boolean).length === 1 &&
    intAttr(bn, 'training_mode', 0) === 0 &&
    intAttr(bn, 'spatial', 1) === 1 &&
    view.constant(conv.inputs[1])?.type === 'float32' &&
    (!conv.inputs[2] || view.constant(conv.inputs[2])?.type === 'float32'),
  rewrite: ({ conv, bn }, view) => {
    const w = view.constant(conv.inputs[1])!;
    const channels = w.dims[0];
    const weights = float32Of(w);
    const bias = conv.inputs[2] ? floats(view, conv.inputs[2], channels) : new Float32Array(channels);
    const [scale, beta, mean, variance] = [1, 2, 3, 4].map((i) => floats(view, bn.inputs[i], channels));
    if (!weights || !bias || !scale || !beta || !mean || !variance) return undefined;
    const eps = floatAttr(bn, 'epsilon', 1e-5);
    const per = weights.length / channels;
    const newW = new Float32Array(weights.length);
    const newB = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const s = scale[c] / Math.sqrt(variance[c] + eps);
      for (let k = c * per; k < (c + 1) * per; k++) newW[k] = weights[k] * s;
      newB[c] = (bias[c] - mean[c]) * s + beta[c];
    }
    const wName = view.fresh(`${conv.inputs[1]}_bn`);
    const bName = view.fresh(`${conv.name}_bias_bn`);
    const folded: Node = {
      ...conv,
      inputs: [conv.inputs[0], wName, bName],
      outputs: [bn.outputs[0]],
      fusedFrom: originsOf([conv, bn]),
    };
    return {
      remove: [conv, bn],
      add: [folded],
      initializers: [float32Tensor(wName, [...w.dims], newW), float32Tensor(bName, [channels], newB)],
    };
  },
});

export const foldConvBatchNorm = rulePass('fold-conv-batchnorm', 'basic', [convBatchNorm]);
