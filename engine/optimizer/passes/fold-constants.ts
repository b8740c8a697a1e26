// Nodes whose inputs are all constants are evaluated once, with the engine's own kernels, and become
// initializers. Random and shape-from-data-only ops are left alone.
import type { Node } from '../../ir/types.js';
import { graphOutputNames, hasSubgraphs } from '../graph-util.js';
import { NONDETERMINISTIC_OPS } from '../nondeterministic.js';
import type { Pass } from '../pass.js';

const NEVER_FOLD = new Set([...NONDETERMINISTIC_OPS, 'If', 'Loop', 'Scan', 'SequenceEmpty', 'Optional']);
const MAX_FOLDED_ELEMENTS = 1 << 22; // do not turn a tiny model into a huge one

export const foldConstants: Pass = {
  name: 'fold-constants',
  level: 'basic',
  run(model, ctx) {
    if (!ctx.evaluate) return false;
    const g = model.graph;
    const fedInputs = new Set(g.inputs.map((i) => i.name));
    const isConst = (name: string) => !name || (g.initializers.has(name) && !fedInputs.has(name));
    const foldable: Node[] = [];
    const produced = new Set<string>();
    for (const n of g.nodes) {
      if (n.domain !== '' || NEVER_FOLD.has(n.opType) || hasSubgraphs(n) || n.inputs.length === 0) continue;
      if (!n.inputs.every((i) => isConst(i) || produced.has(i))) continue;
      foldable.push(n);
      n.outputs.forEach((o) => o && produced.add(o));
    }
    if (!foldable.length) return false;
    let values;
    try {
      values = ctx.evaluate(model, foldable);
    } catch {
      return false; // a node the engine cannot evaluate here stays in the graph and fails (or runs) later
    }
    const outputs = graphOutputNames(g);
    const folded = new Set<Node>();
    for (const n of foldable) {
      const outs = n.outputs.filter(Boolean);
      const ok = outs.every((o) => {
        const v = values.get(o);
        return v && v.dims.reduce((a, b) => a * b, 1) <= MAX_FOLDED_ELEMENTS && !outputs.has(o);
      });
      if (!ok) continue;
      for (const o of outs) g.initializers.set(o, { ...values.get(o)!, name: o });
      folded.add(n);
    }
    g.nodes = g.nodes.filter((n) => !folded.has(n));
    return folded.size > 0;
  },
};
