// A graph as text, one node a line, for DEBUG output and test failure messages: pair it with optimize's
// onPass hook to see the graph before and after each pass.
import type { Graph, Node } from '../ir/types.js';

function describe(n: Node, g: Graph): string {
  const input = (i: string) => {
    const c = g.initializers.get(i);
    return c ? `${i}<${c.type}[${c.dims.join(',')}]>` : i || '∅';
  };
  const attrs = [...n.attributes].map(([k, a]) =>
    a.type === 'g' || a.type === 'gs'
      ? `${k}=<graph>`
      : a.type === 't'
        ? `${k}=<tensor>`
        : `${k}=${String(a.value)}`,
  );
  const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
  return `${op} ${n.inputs.map(input).join(', ')} -> ${n.outputs.join(', ')}${attrs.length ? `  {${attrs.join(' ')}}` : ''}`;
}

export function printGraph(g: Graph): string {
  return g.nodes.map((n) => describe(n, g)).join('\n');
}

/** Op type -> node count (domain-qualified for non-ai.onnx ops), for before/after comparisons. */
export function opCounts(g: Graph): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of g.nodes) {
    const op = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    out[op] = (out[op] ?? 0) + 1;
  }
  return out;
}
