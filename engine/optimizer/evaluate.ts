// Evaluates a set of constant nodes with the engine itself: a throwaway plan, one synchronous native run.
import { randomUUID } from 'node:crypto';
import { typeName } from '../dtype.js';
import type { Graph, Model, Node, TensorData } from '../ir/types.js';
import { native } from '../native.js';
import { buildPlan } from '../plan/build-plan.js';
import type { EvaluateConstants } from './pass.js';

export function constantEvaluator(provider: string): EvaluateConstants {
  return (model: Model, nodes: Node[]) => {
    const outputs = nodes.flatMap((n) => n.outputs.filter(Boolean));
    const reads = new Set(nodes.flatMap((n) => n.inputs));
    const initializers = new Map([...model.graph.initializers].filter(([name]) => reads.has(name)));
    const g: Graph = {
      name: 'constant-folding',
      nodes,
      inputs: [],
      outputs: outputs.map((name) => ({ name })),
      initializers,
      valueInfo: new Map(),
    };
    const { plan } = buildPlan(g, { opsets: model.opsets, what: 'constant folding' }, new Set(), []);
    const addon = native();
    const handle = addon.compile(plan, `fold:${randomUUID()}`, '{}', { threads: 1, provider });
    try {
      const result = addon.runSync(handle, [], { threads: 1, profile: false });
      const values = new Map<string, TensorData>();
      result.outputs.forEach((o, i) => {
        if (!o || 'sequence' in o) return;
        const type = typeName(o.dtype);
        const data = type === 'string' ? (o.data as string[]) : new Uint8Array(o.data as ArrayBuffer);
        values.set(outputs[i], { name: outputs[i], type, dims: o.dims, data });
      });
      return values;
    } finally {
      addon.release(handle);
    }
  };
}
