// Static type and shape inference over the main graph: seeds from graph inputs and initializers, runs each
// node's rule in topological order, refines results with what the model declares, and tracks the contents of
// small tensors so computed shapes (Shape -> Gather -> Concat -> Reshape) resolve.
import type { Graph, Model, Node, TensorData, ValueType } from '../ir/types.js';
import { constFromTensor } from './const-value.js';
import { InferContext, type TensorInfo } from './context.js';
import { refineDim } from './dims.js';
import { ShapeInferenceError } from './error.js';
import { ruleFor } from './registry.js';

export interface InferOptions {
  /** Rethrow internal rule failures instead of leaving that node's outputs unknown (for tests). */
  strict?: boolean;
}

interface Entry extends TensorInfo {
  tensor?: TensorData; // an initializer, read into `value` on first use
}

/** Infers the type of every value of the main graph; values whose element type stays unknown are absent. */
export function inferShapes(model: Model, options: InferOptions = {}): Map<string, ValueType> {
  const g = model.graph;
  const entries = seed(g);
  const read = (name: string): TensorInfo | undefined => {
    const e = entries.get(name);
    if (e?.tensor && e.value === undefined) e.value = constFromTensor(e.tensor);
    return e;
  };
  const declared = declaredTypes(g);
  for (const node of topologicalOrder(g)) {
    const ctx = new InferContext(node, model.opsets.get(node.domain) ?? 1, read);
    const rule = ruleFor(node);
    try {
      rule?.(ctx);
    } catch (e) {
      if (e instanceof ShapeInferenceError || options.strict) throw e;
      ctx.outputs.length = 0; // a rule bug must not stop the model from loading
    }
    node.outputs.forEach((name, k) => {
      if (name) entries.set(name, refine(ctx.outputs[k] ?? {}, declared.get(name)));
    });
  }
  const result = new Map<string, ValueType>();
  for (const [name, type] of declared) result.set(name, type);
  for (const [name, e] of entries) {
    if (e.elemType)
      result.set(name, { kind: 'tensor', elemType: e.elemType, shape: e.shape && [...e.shape] });
  }
  return result;
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

function seed(g: Graph): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [name, t] of g.initializers)
    entries.set(name, { elemType: t.type, shape: [...t.dims], tensor: t });
  for (const input of g.inputs) {
    // An initializer that is also a graph input is only a default: its contents are not constant.
    const t = input.type;
    if (t?.kind === 'tensor')
      entries.set(input.name, { elemType: t.elemType, shape: t.shape && [...t.shape] });
    else entries.delete(input.name);
  }
  return entries;
}

function declaredTypes(g: Graph): Map<string, ValueType> {
  const out = new Map<string, ValueType>();
  for (const [name, v] of g.valueInfo) if (v.type) out.set(name, v.type);
  for (const v of g.outputs) if (v.type) out.set(v.name, v.type);
  return out;
}

/** Inferred facts win; declared ones fill what inference left unknown. Known contents fix the shape. */
function refine(info: TensorInfo, declared: ValueType | undefined): TensorInfo {
  const out: TensorInfo = { ...info };
  if (declared?.kind === 'tensor') {
    out.elemType ??= declared.elemType;
    const d = declared.shape;
    if (!out.shape) out.shape = d && [...d];
    else if (d && d.length === out.shape.length) out.shape = out.shape.map((x, i) => refineDim(x, d[i]));
  }
  if (out.value) out.shape = [...out.value.dims];
  return out;
}

/** Kahn's order over node-produced inputs; nodes on a cycle keep their file order at the end. */
function topologicalOrder(g: Graph): Node[] {
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const pending = g.nodes.map(() => 0);
  const users: number[][] = g.nodes.map(() => []);
  g.nodes.forEach((n, i) => {
    for (const name of new Set(n.inputs)) {
      const p = name ? producer.get(name) : undefined;
      if (p !== undefined && p !== i) {
        pending[i]++;
        users[p].push(i);
      }
    }
  });
  const queue = g.nodes.map((_, i) => i).filter((i) => pending[i] === 0);
  const order: number[] = [];
  for (let q = 0; q < queue.length; q++) {
    order.push(queue[q]);
    for (const u of users[queue[q]]) if (--pending[u] === 0) queue.push(u);
  }
  const placed = new Set(order);
  g.nodes.forEach((_, i) => placed.has(i) || order.push(i));
  return order.map((i) => g.nodes[i]);
}
