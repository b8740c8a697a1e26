// Static type and shape inference: inferShapes(model) and writeInferredShapes(model).
export { inferShapes, inferTensors, writeInferredShapes, type InferOptions } from './infer.js';
export { ShapeInferenceError } from './error.js';
export { shapeRules, ruleFor } from './registry.js';
export type { ShapeRule, TensorInfo, InferContext } from './context.js';
export type { ConstValue } from './const-value.js';
