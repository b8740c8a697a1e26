// Replaces calls of model-local functions (FunctionProto) by their bodies, recursively, with fresh value
// names and attribute references (ref_attr_name) resolved against the call site.
import { ModelLoadError } from '../errors.js';
import type { Attribute, FunctionDef, Graph, Model, Node } from '../ir/types.js';

export function inlineFunctions(model: Model, what: string): void {
  if (!model.functions.length) return;
  const table = new Map(model.functions.map((f) => [`${f.domain}::${f.name}`, f]));
  for (const f of model.functions) {
    for (const [domain, version] of f.opsets)
      if (!model.opsets.has(domain)) model.opsets.set(domain, version);
  }
  let counter = 0;
  const expandGraph = (g: Graph, depth: number) => {
    g.nodes = expandNodes(g.nodes, depth);
  };
  const expandNodes = (nodes: Node[], depth: number): Node[] => {
    if (depth > 32)
      throw new ModelLoadError(`${what}: functions nest more than 32 levels deep (recursive function?)`);
    const out: Node[] = [];
    for (const n of nodes) {
      for (const a of n.attributes.values()) {
        if (a.type === 'g') expandGraph(a.value, depth);
        else if (a.type === 'gs') a.value.forEach((s) => expandGraph(s, depth));
      }
      const f = table.get(`${n.domain}::${n.opType}`);
      if (!f) {
        out.push(n);
        continue;
      }
      out.push(...expandNodes(instantiate(f, n, `${n.name || f.name}__${counter++}/`), depth + 1));
    }
    return out;
  };
  expandGraph(model.graph, 0);
}

function instantiate(f: FunctionDef, call: Node, prefix: string): Node[] {
  const rename = new Map<string, string>();
  f.inputs.forEach((name, i) => rename.set(name, call.inputs[i] ?? ''));
  f.outputs.forEach((name, i) => rename.set(name, call.outputs[i] ?? ''));
  const mapName = (name: string) => {
    if (!name) return name;
    const r = rename.get(name);
    if (r !== undefined) return r;
    const fresh = prefix + name;
    rename.set(name, fresh);
    return fresh;
  };
  const resolveAttrs = (attrs: Map<string, Attribute>): Map<string, Attribute> => {
    const out = new Map<string, Attribute>();
    for (const [k, a] of attrs) {
      if (a.type === 'ref') {
        const v = call.attributes.get(a.value) ?? f.attributeDefaults.get(a.value);
        if (v) out.set(k, v);
      } else if (a.type === 'g') {
        out.set(k, { type: 'g', value: renameGraph(a.value) });
      } else if (a.type === 'gs') {
        out.set(k, { type: 'gs', value: a.value.map(renameGraph) });
      } else {
        out.set(k, a);
      }
    }
    return out;
  };
  // Subgraphs inside a function body may read function-local values: rename those references too.
  const renameGraph = (g: Graph): Graph => ({
    ...g,
    nodes: g.nodes.map((n) => ({
      ...n,
      inputs: n.inputs.map((i) => (rename.has(i) ? rename.get(i)! : i)),
      attributes: resolveAttrs(n.attributes),
    })),
    outputs: g.outputs.map((o) => (rename.has(o.name) ? { ...o, name: rename.get(o.name)! } : o)),
  });
  return f.nodes.map((n) => ({
    name: prefix + n.name,
    opType: n.opType,
    domain: n.domain,
    inputs: n.inputs.map(mapName),
    outputs: n.outputs.map(mapName),
    attributes: resolveAttrs(n.attributes),
  }));
}
