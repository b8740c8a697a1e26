// The cost model: per node of the normalized main graph, estimated FLOPs (from shapes inferred at the given
// dims), the stored weight bytes it reads and the bytes of its outputs; totals for the model registry.
import type { Model } from '../../engine/ir/types.js';
import type { DimValues } from './dims.js';
import { nodeFlops } from './op-flops.js';
import { type PreparedModel, prepareModel } from './prepare.js';
import { buildSequence, type GraphSequence, valueBytes } from './sequence.js';

export interface NodeCost {
  /** Position in the topological order of the main graph. */
  index: number;
  name: string;
  opType: string;
  domain: string;
  flops: number;
  /**
   * Stored bytes (initializers, Constant values) the node reads, directly or through constant nodes such as
   * Identity(weight). Constant nodes themselves report 0: their bytes are counted at their readers.
   */
  weightBytes: number;
  outputBytes: number;
  /** Computable from initializers alone; the planner copies such nodes into every stage that reads them. */
  constant: boolean;
}

export interface ModelCost {
  model: string;
  /** The symbolic dims of the inputs and the values used for them. */
  dims: Record<string, number>;
  flops: number;
  /** All stored bytes of the model, each tensor once. */
  weightBytes: number;
  /** Sum of node output bytes (an upper bound on activation traffic, not peak memory). */
  outputBytes: number;
  nodes: NodeCost[];
}

export interface CostOptions {
  /** Name shown in errors and in the result. */
  name?: string;
}

/** The cost of `model` (bytes, or a Model IR that is normalized in place) at `dims`, e.g. { batch: 1 }. */
export function modelCost(
  model: Model | Uint8Array,
  dims: DimValues = {},
  options: CostOptions = {},
): ModelCost {
  const prepared = prepareModel(model, { name: options.name, dims });
  return costOf(prepared, buildSequence(prepared));
}

export function costOf(p: PreparedModel, seq: GraphSequence): ModelCost {
  const shapeOf = (name: string | undefined) => {
    const t = name ? p.concrete.get(name) : undefined;
    return t?.kind === 'tensor' && t.shape ? (t.shape as number[]) : undefined;
  };
  const supportOf = new Map(seq.compute.map((i, pos) => [i, seq.support[pos]]));
  const nodes = seq.order.map((n, index): NodeCost => {
    const keys = supportOf.get(index) ?? [];
    return {
      index,
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      flops: nodeFlops(n, { input: (i) => shapeOf(n.inputs[i]), output: (i) => shapeOf(n.outputs[i]) }),
      weightBytes: keys.reduce((s, k) => s + (seq.storedBytes.get(k) ?? 0), 0),
      outputBytes: n.outputs.reduce((s, o) => s + ((o && valueBytes(p.concrete.get(o))) || 0), 0),
      constant: seq.constant[index],
    };
  });
  const sum = (f: (c: NodeCost) => number) => nodes.reduce((s, c) => s + f(c), 0);
  return {
    model: p.name,
    dims: p.dims,
    flops: sum((c) => (c.constant ? 0 : c.flops)),
    weightBytes: [...seq.storedBytes.values()].reduce((a, b) => a + b, 0),
    outputBytes: sum((c) => (c.constant ? 0 : c.outputBytes)),
    nodes,
  };
}
