// SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss: a scalar unless reduction is 'none' (then the
// labels' shape); SCE's optional log_prob has the scores' shape.
import type { ShapeRule } from '../context.js';

const loss: ShapeRule = (ctx) => {
  const elemType = ctx.type(0);
  const none = ctx.string('reduction', 'mean') === 'none';
  ctx.set(0, { elemType, shape: none ? ctx.shape(1) : [] });
  ctx.set(1, { elemType, shape: ctx.shape(0) });
};

export const lossRules: Record<string, ShapeRule> = {
  SoftmaxCrossEntropyLoss: loss,
  NegativeLogLikelihoodLoss: loss,
};
