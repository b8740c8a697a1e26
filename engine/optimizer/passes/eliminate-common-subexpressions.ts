// Common-subexpression elimination: equal small constants become one initializer, then nodes with the same
// op, attributes and inputs are computed once (in graph order, so whole duplicated chains collapse).
import { createHash } from 'node:crypto';
import type { Attribute, Graph, Node, TensorData } from '../../ir/types.js';
import { graphOutputNames, hasSubgraphs, namesUsedBySubgraphs } from '../graph-util.js';
import { NONDETERMINISTIC_OPS } from '../nondeterministic.js';
import type { Pass } from '../pass.js';

const MAX_SHARED_CONSTANT_BYTES = 1 << 16; // hashing large weights costs time and they are rarely repeated

function tensorKey(t: TensorData): string {
  const h = createHash('sha1');
  if (Array.isArray(t.data)) h.update(JSON.stringify(t.data));
  else h.update(t.data);
  return `${t.type}[${t.dims.join(',')}]${h.digest('hex')}`;
}

function attributeKey(a: Attribute): string {
  switch (a.type) {
    case 't':
      return `t:${tensorKey(a.value)}`;
    case 'ts':
      return `ts:${a.value.map(tensorKey).join(';')}`;
    case 'g':
    case 'gs':
      return ''; // nodes with subgraphs are never merged
    default:
      return `${a.type}:${JSON.stringify(a.value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
  }
}

function nodeKey(n: Node): string {
  const attrs = [...n.attributes]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, a]) => `${k}=${attributeKey(a)}`);
  const outs = n.outputs.map((o) => (o ? '1' : '0')).join('');
  return [n.domain, n.opType, outs, n.inputs.join('\u0000'), attrs.join('\u0000')].join('\u0001');
}

function shareConstants(g: Graph, keep: Set<string>, rename: Map<string, string>): void {
  const first = new Map<string, string>();
  for (const [name, t] of g.initializers) {
    if (keep.has(name)) continue;
    const bytes = Array.isArray(t.data) ? JSON.stringify(t.data).length : t.data.byteLength;
    if (bytes > MAX_SHARED_CONSTANT_BYTES) continue;
    const key = tensorKey(t);
    const seen = first.get(key);
    if (seen === undefined) first.set(key, name);
    else rename.set(name, seen);
  }
}

export const eliminateCommonSubexpressions: Pass = {
  name: 'eliminate-common-subexpressions',
  level: 'basic',
  run(model) {
    const g = model.graph;
    // Values that must keep their name: graph inputs and outputs, values read inside subgraphs.
    const keep = new Set([
      ...graphOutputNames(g),
      ...namesUsedBySubgraphs(g),
      ...g.inputs.map((i) => i.name),
    ]);
    const rename = new Map<string, string>();
    shareConstants(g, keep, rename);
    const seen = new Map<string, Node>();
    const dropped = new Set<Node>();
    for (const n of g.nodes) {
      n.inputs = n.inputs.map((i) => rename.get(i) ?? i);
      if (NONDETERMINISTIC_OPS.has(n.opType) || hasSubgraphs(n) || n.outputs.some((o) => keep.has(o)))
        continue;
      const key = nodeKey(n);
      const twin = seen.get(key);
      if (!twin) {
        seen.set(key, n);
        continue;
      }
      n.outputs.forEach((o, i) => o && rename.set(o, twin.outputs[i]));
      dropped.add(n);
    }
    if (!rename.size) return false;
    g.nodes = g.nodes.filter((n) => !dropped.has(n));
    // A node listed before its producer still gets the new names.
    for (const n of g.nodes) n.inputs = n.inputs.map((i) => rename.get(i) ?? i);
    for (const name of rename.keys()) g.initializers.delete(name);
    return true;
  },
};
