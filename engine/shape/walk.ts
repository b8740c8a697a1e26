// The graph walk: seeds from graph inputs and initializers, runs each node's rule in topological order, and
// refines results with what the graph declares. Subgraphs (If branches, Loop bodies) are walked the same way,
// reading enclosing-scope values through `outer`.
import type { Graph, Node, TensorData, ValueType } from '../ir/types.js';
import { constFromTensor } from './const-value.js';
import { InferContext, type TensorInfo } from './context.js';
import { refineDim } from './dims.js';
import { ShapeInferenceError } from './error.js';
import { ruleFor } from './registry.js';

export interface WalkEnv {
  opsets: Map<string, number>;
  /** Rethrow internal rule failures instead of leaving that node's outputs unknown. */
  strict: boolean;
}

interface Entry extends TensorInfo {
  tensor?: TensorData; // an initializer, read into `value` on first use
}

type Lookup = (name: string) => TensorInfo | undefined;

/** Walks `g`; `inputs` (by position) replace the declared graph inputs, as a Loop body's are. */
export function walkGraph(
  g: Graph,
  env: WalkEnv,
  outer?: Lookup,
  inputs?: TensorInfo[],
): Map<string, TensorInfo> {
  const entries = seed(g, inputs);
  const read: Lookup = (name) => {
    const e = entries.get(name);
    if (!e) return outer?.(name);
    if (e.tensor && e.value === undefined) e.value = constFromTensor(e.tensor);
    return e;
  };
  const subgraph = (sub: Graph, subInputs?: TensorInfo[]) => {
    const found = walkGraph(sub, env, read, subInputs);
    return sub.outputs.map((o) => found.get(o.name) ?? read(o.name) ?? {});
  };
  const declared = declaredTypes(g);
  for (const node of topologicalOrder(g)) {
    const ctx = new InferContext(node, env.opsets.get(node.domain) ?? 1, read, subgraph);
    try {
      ruleFor(node)?.(ctx);
    } catch (e) {
      if (e instanceof ShapeInferenceError || env.strict) throw e;
      ctx.outputs.length = 0; // a rule bug must not stop the model from loading
    }
    node.outputs.forEach((name, k) => {
      if (name) entries.set(name, refine(ctx.outputs[k] ?? {}, declared.get(name)));
    });
  }
  return entries;
}

function seed(g: Graph, inputs?: TensorInfo[]): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [name, t] of g.initializers)
    entries.set(name, { elemType: t.type, shape: [...t.dims], tensor: t });
  g.inputs.forEach((input, k) => {
    // An initializer that is also a graph input is only a default: its contents are not constant.
    const t = input.type;
    const given = inputs?.[k];
    if (given) entries.set(input.name, refine({ ...given }, t));
    else if (t?.kind === 'tensor')
      entries.set(input.name, { elemType: t.elemType, shape: t.shape && [...t.shape] });
    else entries.set(input.name, {});
  });
  return entries;
}

export function declaredTypes(g: Graph): Map<string, ValueType> {
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
    for (const name of new Set([...n.inputs, ...outerReads(n)])) {
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

/** Names a node's subgraphs read from enclosing scopes: the node depends on their producers too. */
function outerReads(n: Node): string[] {
  const out: string[] = [];
  for (const a of n.attributes.values()) {
    const graphs = a.type === 'g' ? [a.value] : a.type === 'gs' ? a.value : [];
    for (const sub of graphs) {
      const defined = new Set([...sub.inputs.map((v) => v.name), ...sub.initializers.keys()]);
      for (const m of sub.nodes) m.outputs.forEach((o) => defined.add(o));
      for (const m of sub.nodes)
        for (const name of [...m.inputs, ...outerReads(m)]) if (name && !defined.has(name)) out.push(name);
      for (const o of sub.outputs) if (!defined.has(o.name)) out.push(o.name);
    }
  }
  return out;
}
