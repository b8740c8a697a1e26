// One stage as a standalone model: its nodes (a contiguous range of compute nodes plus copies of the constant
// nodes they read), the initializers those read, inputs = the tensors crossing the cut before it (stage 0:
// the model's own inputs), outputs = the tensors crossing the cut after it (last stage: the model's outputs).
// A tensor only carried through a stage is both an input and an output of it, which ONNX allows.
import type { FunctionDef, Graph, Model, Node, ValueInfo, ValueType } from '../../engine/ir/types.js';
import { encodeModel } from '../../engine/onnx/encode.js';
import { subgraphsOf } from '../../engine/plan/build-plan.js';
import type { PreparedModel } from './prepare.js';
import { readsOf, type GraphSequence } from './sequence.js';

export interface StageSpec {
  index: number;
  count: number;
  /** Compute positions [start, end). */
  start: number;
  end: number;
  inputs: string[];
  outputs: string[];
}

/** Order indices of the stage's nodes, in topological order. */
export function stageNodes(seq: GraphSequence, spec: StageSpec): number[] {
  const set = new Set<number>();
  for (let p = spec.start; p < spec.end; p++) {
    set.add(seq.compute[p]);
    seq.closure[p].forEach((i) => set.add(i));
  }
  if (spec.index === spec.count - 1) seq.outputClosure.forEach((i) => set.add(i));
  return [...set].sort((a, b) => a - b);
}

function valueInfo(p: PreparedModel, name: string, declared?: ValueInfo): ValueInfo {
  const type: ValueType | undefined = p.types.get(name) ?? declared?.type;
  return type ? { name, type } : { name };
}

/** Model-local functions the nodes call (directly or from other functions), for models not inlined. */
function functionsUsed(model: Model, nodes: readonly Node[]): FunctionDef[] {
  const table = new Map(model.functions.map((f) => [`${f.domain}::${f.name}`, f]));
  const used = new Set<FunctionDef>();
  const visit = (ns: readonly Node[]) => {
    for (const n of ns) {
      const f = table.get(`${n.domain}::${n.opType}`);
      if (f && !used.has(f)) {
        used.add(f);
        visit(f.nodes);
      }
      for (const sub of subgraphsOf(n)) visit(sub.nodes);
    }
  };
  visit(nodes);
  return model.functions.filter((f) => used.has(f));
}

export function buildStageModel(p: PreparedModel, seq: GraphSequence, spec: StageSpec): Model {
  const g = p.model.graph;
  const nodes = stageNodes(seq, spec).map((i) => seq.order[i]);
  const initializers: Graph['initializers'] = new Map();
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  const want = [...nodes.flatMap(readsOf), ...spec.outputs];
  for (const name of want) {
    const t = g.initializers.get(name);
    if (t && !produced.has(name)) initializers.set(name, t);
  }
  const declared = new Map([...g.inputs, ...g.outputs].map((v) => [v.name, v]));
  const valueInfos = new Map<string, ValueInfo>();
  for (const name of produced) {
    const v = g.valueInfo.get(name);
    if (v) valueInfos.set(name, v);
  }
  const last = spec.index === spec.count - 1;
  const graph: Graph = {
    name: `${g.name || 'graph'}_stage${spec.index}`,
    nodes,
    inputs: spec.inputs.map((name) => valueInfo(p, name, declared.get(name))),
    outputs: last
      ? g.outputs.map((o) => valueInfo(p, o.name, o))
      : spec.outputs.map((name) => valueInfo(p, name)),
    initializers,
    valueInfo: valueInfos,
  };
  const metadata = new Map(p.model.metadata);
  metadata.set('onnxfleet.stage', `${spec.index + 1}/${spec.count}`);
  return {
    irVersion: p.model.irVersion,
    producerName: p.model.producerName,
    producerVersion: p.model.producerVersion,
    opsets: new Map(p.model.opsets),
    graph,
    functions: functionsUsed(p.model, nodes),
    metadata,
  };
}

export function encodeStage(model: Model): Uint8Array {
  return encodeModel(model);
}
