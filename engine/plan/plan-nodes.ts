// What a session remembers about each node of its plan, for profiles and traces: identity, fusion provenance,
// and the types and shapes that shape inference gave its inputs and outputs when the model was loaded.
import type { Dim, Graph, Node, ValueType } from '../ir/types.js';

export interface PlanValueInfo {
  name: string;
  /** Element type of a tensor ('float32', ...), or the kind of a non-tensor value ('sequence', ...). */
  type?: string;
  /** Static shape from load-time inference: numbers, symbolic names, null for unknown; absent if no rank. */
  shape?: Dim[];
}

export interface PlanNodeInfo {
  name: string;
  opType: string;
  domain: string;
  /** Names of the model's original nodes that an optimizer fusion replaced with this one. */
  fusedFrom?: string[];
  /** Present inputs and outputs (absent optional ones left out), typed as inferred at load time. */
  inputs: PlanValueInfo[];
  outputs: PlanValueInfo[];
}

/** One entry per node of `order` (the plan's node order). */
export function describePlanNodes(g: Graph, order: readonly Node[]): PlanNodeInfo[] {
  const types = new Map<string, ValueType | undefined>();
  for (const [name, t] of g.initializers)
    types.set(name, { kind: 'tensor', elemType: t.type, shape: t.dims });
  for (const v of [...g.valueInfo.values(), ...g.inputs, ...g.outputs]) if (v.type) types.set(v.name, v.type);
  const value = (name: string): PlanValueInfo => {
    const t = types.get(name);
    if (!t) return { name };
    if (t.kind === 'tensor' || t.kind === 'sparse_tensor')
      return t.shape ? { name, type: t.elemType, shape: t.shape } : { name, type: t.elemType };
    return { name, type: t.kind };
  };
  return order.map((n) => {
    const info: PlanNodeInfo = {
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      inputs: n.inputs.filter(Boolean).map(value),
      outputs: n.outputs.filter(Boolean).map(value),
    };
    if (n.fusedFrom?.length) info.fusedFrom = [...n.fusedFrom];
    return info;
  });
}
