// Queries and edits on a graph that optimizer passes share.
import { freeNames, subgraphsOf } from '../plan/build-plan.js';
import type { Graph, Node } from '../ir/types.js';

/** value name -> number of node inputs reading it (main graph only). */
export function useCounts(g: Graph): Map<string, number> {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  return uses;
}

/** Names read from inside subgraphs of the graph's nodes; passes leave these values alone. */
export function namesUsedBySubgraphs(g: Graph): Set<string> {
  const out = new Set<string>();
  for (const n of g.nodes) for (const sub of subgraphsOf(n)) for (const f of freeNames(sub)) out.add(f);
  return out;
}

export function graphOutputNames(g: Graph): Set<string> {
  return new Set(g.outputs.map((o) => o.name));
}

/** Makes every reader of `from` read `to` instead. */
export function replaceUses(g: Graph, from: string, to: string): void {
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
}

export function hasSubgraphs(n: Node): boolean {
  return subgraphsOf(n).length > 0;
}
