// Identity and inference-mode Dropout forward their input: readers are rewired and the node goes away.
import { graphOutputNames, namesUsedBySubgraphs, replaceUses } from '../graph-util.js';
import type { Pass } from '../pass.js';

export const eliminateIdentity: Pass = {
  name: 'eliminate-identity',
  level: 'basic',
  run(model) {
    const g = model.graph;
    const outputs = graphOutputNames(g);
    const captured = namesUsedBySubgraphs(g);
    let changed = false;
    g.nodes = g.nodes.filter((n) => {
      if (n.domain !== '') return true;
      const isDropout = n.opType === 'Dropout' && !n.outputs[1] && !n.inputs[2];
      if (n.opType !== 'Identity' && !isDropout) return true;
      const [out] = n.outputs;
      const [input] = n.inputs;
      if (!input || !out || outputs.has(out) || captured.has(out)) return true;
      replaceUses(g, out, input);
      changed = true;
      return false;
    });
    return changed;
  },
};
