// Public entry points of static type and shape inference over a model's main graph.
import type { Model, ValueType } from '../ir/types.js';
import type { TensorInfo } from './context.js';
import { declaredTypes, walkGraph } from './walk.js';

export interface InferOptions {
  /** Rethrow internal rule failures instead of leaving that node's outputs unknown (for tests). */
  strict?: boolean;
}

/**
 * Infers the type of every value of the main graph (inputs, initializers, node outputs). Dims are numbers
 * where known, symbolic names where they follow from the inputs' names, null where unknown. Values whose
 * element type stays unknown (outputs of ops without a rule, unless declared) are absent. Throws
 * ShapeInferenceError only for a proven inconsistency.
 */
export function inferShapes(model: Model, options: InferOptions = {}): Map<string, ValueType> {
  const g = model.graph;
  const entries = walkGraph(g, { opsets: model.opsets, strict: options.strict ?? false });
  const result = new Map<string, ValueType>();
  for (const input of g.inputs)
    if (input.type && input.type.kind !== 'tensor') result.set(input.name, input.type);
  for (const [name, type] of declaredTypes(g)) result.set(name, type);
  for (const [name, e] of entries) {
    if (e.elemType)
      result.set(name, { kind: 'tensor', elemType: e.elemType, shape: e.shape && [...e.shape] });
  }
  return result;
}

/**
 * Everything inference knows per value of the main graph, including the contents of small tensors that
 * became known (shape vectors, folded scalars): what constant folding of shape computations can use.
 */
export function inferTensors(model: Model, options: InferOptions = {}): Map<string, TensorInfo> {
  return walkGraph(model.graph, { opsets: model.opsets, strict: options.strict ?? false });
}

/** Writes inferred types into graph.valueInfo (intermediate values) and graph.outputs (refined in place). */
export function writeInferredShapes(model: Model, types: Map<string, ValueType> = inferShapes(model)): void {
  const g = model.graph;
  const outputs = new Map(g.outputs.map((o) => [o.name, o]));
  for (const node of g.nodes) {
    for (const name of node.outputs) {
      const type = name ? types.get(name) : undefined;
      if (!type) continue;
      const out = outputs.get(name);
      if (out) out.type = type;
      else g.valueInfo.set(name, { name, type });
    }
  }
}
