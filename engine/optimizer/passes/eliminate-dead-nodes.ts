// Removes nodes none of whose outputs is read by a node, a subgraph or the graph outputs.
import { graphOutputNames, namesUsedBySubgraphs, useCounts } from '../graph-util.js';
import type { Pass } from '../pass.js';

export const eliminateDeadNodes: Pass = {
  name: 'eliminate-dead-nodes',
  level: 'basic',
  run(model) {
    const g = model.graph;
    let changed = false;
    for (;;) {
      const uses = useCounts(g);
      const live = new Set([...graphOutputNames(g), ...namesUsedBySubgraphs(g)]);
      const before = g.nodes.length;
      g.nodes = g.nodes.filter((n) => n.outputs.some((o) => o && (uses.has(o) || live.has(o))));
      if (g.nodes.length === before) break;
      changed = true;
    }
    const used = new Set([...useCounts(g).keys(), ...graphOutputNames(g), ...namesUsedBySubgraphs(g)]);
    for (const name of [...g.initializers.keys()]) {
      if (!used.has(name) && !g.inputs.some((i) => i.name === name)) {
        g.initializers.delete(name);
        changed = true;
      }
    }
    return changed;
  },
};
