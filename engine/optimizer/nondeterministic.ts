// Ops whose output is not a function of their inputs (two calls with equal inputs may differ): never folded,
// never merged, never treated as constants.
export const NONDETERMINISTIC_OPS: ReadonlySet<string> = new Set([
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Multinomial',
  'Bernoulli',
  'Dropout',
]);
