// Graph IR -> NativePlan: value slots, topological order, outer-scope captures of subgraphs, and lifetimes
// (each value is released right after its last reader).
import { typeCode } from '../dtype.js';
import { ModelLoadError } from '../errors.js';
import type { Attribute, Graph, Node, TensorData, ValueType } from '../ir/types.js';
import type { NativeAttr, NativeNode, NativePlan, NativeTensor } from './native-plan.js';

export interface PlanContext {
  opsets: Map<string, number>;
  what: string; // for errors: "model 'x.onnx'"
}

export function toNativeTensor(t: TensorData): NativeTensor {
  return { dtype: typeCode(t.type), dims: t.dims, data: t.data };
}

/** Names a graph reads from enclosing scopes (including through nested subgraphs). */
export function freeNames(g: Graph): Set<string> {
  const defined = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) if (o) defined.add(o);
  const free = new Set<string>();
  for (const n of g.nodes) {
    for (const i of n.inputs) if (i && !defined.has(i)) free.add(i);
    for (const sub of subgraphsOf(n)) for (const f of freeNames(sub)) if (!defined.has(f)) free.add(f);
  }
  for (const o of g.outputs) if (!defined.has(o.name)) free.add(o.name);
  return free;
}

export function subgraphsOf(n: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of n.attributes.values()) {
    if (a.type === 'g') out.push(a.value);
    else if (a.type === 'gs') out.push(...a.value);
  }
  return out;
}

/** Stable topological order (Kahn); throws naming a node whose input nothing produces, or a cycle. */
export function topoOrder(g: Graph, outer: Set<string>, ctx: PlanContext): Node[] {
  const producer = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const available = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys(), ...outer]);
  const deps: number[][] = g.nodes.map(() => []);
  const users: number[][] = g.nodes.map(() => []);
  g.nodes.forEach((n, i) => {
    const reads = [...n.inputs.filter(Boolean)];
    for (const sub of subgraphsOf(n)) reads.push(...freeNames(sub));
    for (const name of reads) {
      const p = producer.get(name);
      if (p !== undefined && p !== i) {
        deps[i].push(p);
        users[p].push(i);
      } else if (p === undefined && !available.has(name)) {
        throw new ModelLoadError(
          `${ctx.what}: node '${n.name}' (${n.opType}) reads '${name}', which no node, initializer or graph input produces`,
        );
      }
    }
  });
  const pending = deps.map((d) => new Set(d).size);
  const seenDeps = deps.map((d) => new Set(d));
  const ready: number[] = [];
  pending.forEach((c, i) => c === 0 && ready.push(i));
  const order: Node[] = [];
  const done = new Set<number>();
  // Keep the file's order among ready nodes: a min-heap would be faster, but graphs are already mostly sorted.
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(g.nodes[i]);
    done.add(i);
    for (const u of new Set(users[i])) {
      if (seenDeps[u].has(i) && --pending[u] === 0) ready.push(u);
    }
  }
  if (order.length !== g.nodes.length) {
    const stuck = g.nodes.filter((_, i) => !done.has(i)).map((n) => `'${n.name}'`);
    throw new ModelLoadError(
      `${ctx.what}: the graph has a cycle through nodes ${stuck.slice(0, 5).join(', ')}`,
    );
  }
  return order;
}

export interface BuiltPlan {
  plan: NativePlan;
  /** Outer-scope names the graph reads (empty for the main graph). */
  captures: string[];
  /** The graph's nodes in plan order (plan.nodes[i] comes from order[i]). */
  order: Node[];
}

/**
 * Builds the native plan of a graph. `formalInputs` are the inputs the caller binds (for the main graph: the
 * graph inputs that have no initializer). `outer` holds the names visible from enclosing graphs.
 */
export function buildPlan(
  g: Graph,
  ctx: PlanContext,
  outer: Set<string> = new Set(),
  formalInputs?: string[],
): BuiltPlan {
  const values: string[] = [];
  const slots = new Map<string, number>();
  const slot = (name: string) => {
    let s = slots.get(name);
    if (s === undefined) {
      s = values.length;
      values.push(name);
      slots.set(name, s);
    }
    return s;
  };
  const inputs = formalInputs ?? g.inputs.map((i) => i.name);
  const plan: NativePlan = {
    name: g.name,
    values,
    inputs: [],
    outputs: [],
    constants: [],
    captures: [],
    nodes: [],
  };
  plan.inputs = inputs.map(slot);
  for (const [name, t] of g.initializers) {
    if (inputs.includes(name)) continue; // a fed input overrides its initializer default
    plan.constants.push({ slot: slot(name), ...toNativeTensor(t) });
  }
  const defined = new Set<string>(slots.keys());
  const captureOf = (name: string) => {
    if (!outer.has(name)) return undefined;
    const s = slot(name);
    if (!plan.captures.some((c) => c.name === name)) plan.captures.push({ name, slot: s });
    defined.add(name);
    return s;
  };
  const resolve = (name: string, n: Node) => {
    if (!name) return -1;
    if (defined.has(name)) return slots.get(name)!;
    const c = captureOf(name);
    if (c !== undefined) return c;
    throw new ModelLoadError(
      `${ctx.what}: node '${n.name}' (${n.opType}) reads '${name}' before it is produced`,
    );
  };

  const allNames = new Set<string>([...outer, ...inputs, ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) if (o) allNames.add(o);

  const order = topoOrder(g, outer, ctx);
  const lastUse = new Map<number, number>();
  for (const n of order) {
    const idx = plan.nodes.length;
    const native: NativeNode = {
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      opset: ctx.opsets.get(n.domain) ?? 1,
      inputs: n.inputs.map((i) => resolve(i, n)),
      outputs: [],
      implicitInputs: [],
      implicitNames: [],
      attrs: [],
      freeAfter: [],
    };
    for (const [name, a] of n.attributes) {
      native.attrs.push(
        toNativeAttr(name, a, n, ctx, allNames, (captured) => {
          for (const c of captured) {
            if (native.implicitNames.includes(c)) continue;
            native.implicitNames.push(c);
            native.implicitInputs.push(resolve(c, n));
          }
        }),
      );
    }
    for (const s of [...native.inputs, ...native.implicitInputs]) if (s >= 0) lastUse.set(s, idx);
    native.outputs = n.outputs.map((o) => {
      if (!o) return -1;
      const s = slot(o);
      defined.add(o);
      return s;
    });
    plan.nodes.push(native);
  }
  plan.outputs = g.outputs.map((o) => {
    if (defined.has(o.name)) return slots.get(o.name)!;
    const c = captureOf(o.name);
    if (c !== undefined) return c;
    throw new ModelLoadError(`${ctx.what}: graph output '${o.name}' is never produced`);
  });
  const keep = new Set(plan.outputs);
  for (const [s, idx] of lastUse) if (!keep.has(s)) plan.nodes[idx].freeAfter.push(s);
  return { plan, captures: plan.captures.map((c) => c.name), order };
}

function toNativeAttr(
  name: string,
  a: Attribute,
  n: Node,
  ctx: PlanContext,
  visible: Set<string>,
  onCaptures: (names: string[]) => void,
): NativeAttr {
  const sub = (g: Graph) => {
    const built = buildPlan(g, ctx, visible);
    onCaptures(built.captures);
    return built.plan;
  };
  switch (a.type) {
    case 't':
      return { name, type: 't', value: toNativeTensor(a.value) };
    case 'ts':
      return { name, type: 'ts', value: a.value.map(toNativeTensor) };
    case 'g':
      return { name, type: 'g', value: sub(a.value) };
    case 'gs':
      return { name, type: 'gs', value: a.value.map(sub) };
    case 'tp':
      return { name, type: 's', value: encodeValueType(a.value) };
    case 'ref':
      throw new ModelLoadError(
        `${ctx.what}: node '${n.name}' (${n.opType}) has an unresolved ${a.type} attribute '${name}'`,
      );
    default:
      return { name, type: a.type, value: a.value };
  }
}

/**
 * A type attribute (Optional's `type`, ...) crosses as a compact string: "tensor:1", "sequence:tensor:7",
 * "optional:sequence:tensor:1" (numbers are ONNX element type codes).
 */
export function encodeValueType(t: ValueType | undefined): string {
  if (!t) return 'unknown';
  switch (t.kind) {
    case 'tensor':
    case 'sparse_tensor':
      return `tensor:${typeCode(t.elemType)}`;
    case 'sequence':
      return `sequence:${encodeValueType(t.elem)}`;
    case 'optional':
      return `optional:${encodeValueType(t.elem)}`;
    case 'map':
      return `map:${typeCode(t.keyType)}:${encodeValueType(t.value)}`;
  }
}
