// A read-only snapshot of a graph for pattern matching: who produces and reads each value, what is constant,
// and what shape inference (graph.valueInfo) knows. Rules query it; only the rule pass edits the graph.
import type { TensorType } from '../dtype.js';
import type { Attribute, Dim, Model, Node, TensorData, ValueType } from '../ir/types.js';
import { graphOutputNames, namesUsedBySubgraphs } from './graph-util.js';
import type { PassContext } from './pass.js';
import { scalarOf } from './tensors.js';

export class GraphView {
  private readonly producers = new Map<string, Node>();
  private readonly readers = new Map<string, Node[]>();
  private readonly pinned: Set<string>;
  private readonly fed: Set<string>;
  private readonly declared = new Map<string, ValueType>();
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(
    readonly model: Model,
    readonly ctx: PassContext,
  ) {
    const g = model.graph;
    for (const n of g.nodes) {
      for (const o of n.outputs) if (o) this.producers.set(o, n);
      for (const i of n.inputs) {
        if (!i) continue;
        const list = this.readers.get(i);
        if (list) list.push(n);
        else this.readers.set(i, [n]);
      }
    }
    this.pinned = new Set([...graphOutputNames(g), ...namesUsedBySubgraphs(g)]);
    this.fed = new Set(g.inputs.map((i) => i.name));
    for (const v of [...g.valueInfo.values(), ...g.inputs, ...g.outputs])
      if (v.type) this.declared.set(v.name, v.type);
    // Value and node names share one namespace here, so new nodes get unique names too.
    const taken = [
      ...this.producers.keys(),
      ...this.fed,
      ...g.initializers.keys(),
      ...g.nodes.map((n) => n.name),
    ];
    for (const name of taken) this.names.add(name);
  }

  get graph() {
    return this.model.graph;
  }

  producer(name: string): Node | undefined {
    return name ? this.producers.get(name) : undefined;
  }

  /** The producer of `name` when it is an ai.onnx node of one of `ops`. */
  producerOf(name: string, ...ops: string[]): Node | undefined {
    const p = this.producer(name);
    return p && p.domain === '' && ops.includes(p.opType) ? p : undefined;
  }

  consumers(name: string): readonly Node[] {
    return this.readers.get(name) ?? [];
  }

  /** The one node reading `name`, when it is an ai.onnx node of one of `ops` and nothing else needs the value. */
  soleConsumer(name: string, ...ops: string[]): Node | undefined {
    const c = this.consumers(name);
    if (c.length !== 1 || this.isPinned(name)) return undefined;
    return c[0].domain === '' && ops.includes(c[0].opType) ? c[0] : undefined;
  }

  /** Graph outputs and values read inside subgraphs keep their name and producer. */
  isPinned(name: string): boolean {
    return this.pinned.has(name);
  }

  /** True when only `nodes` read `name` (an intermediate value a fusion may swallow). */
  onlyReadBy(name: string, ...nodes: Node[]): boolean {
    return !this.isPinned(name) && this.consumers(name).every((c) => nodes.includes(c));
  }

  /** A constant: an initializer that no graph input can override. */
  constant(name: string): TensorData | undefined {
    return name && !this.fed.has(name) ? this.graph.initializers.get(name) : undefined;
  }

  /** The value of a one-element constant. */
  scalar(name: string): number | undefined {
    const t = this.constant(name);
    return t && scalarOf(t);
  }

  type(name: string): ValueType | undefined {
    const t = this.declared.get(name);
    if (t) return t;
    const c = this.graph.initializers.get(name);
    return c && { kind: 'tensor', elemType: c.type, shape: [...c.dims] };
  }

  elemType(name: string): TensorType | undefined {
    const t = this.type(name);
    return t?.kind === 'tensor' ? t.elemType : undefined;
  }

  shape(name: string): Dim[] | undefined {
    const t = this.type(name);
    return t?.kind === 'tensor' ? t.shape : undefined;
  }

  /** The shape when every dim is a known number. */
  staticShape(name: string): number[] | undefined {
    const s = this.shape(name);
    return s && s.every((d) => typeof d === 'number') ? (s as number[]) : undefined;
  }

  /** The ai.onnx (or other domain's) opset version a new node would run at. */
  opset(domain = ''): number {
    return this.model.opsets.get(domain) ?? 1;
  }

  /** Whether a kernel resolves for a new node (domain, opType); false when the session gave no registry. */
  hasKernel(domain: string, opType: string): boolean {
    return this.ctx.hasKernel?.(domain, opType, this.opset(domain)) ?? false;
  }

  /** A value or node name not used in the graph yet. */
  fresh(base: string): string {
    let name: string;
    do name = `${base}_opt${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }
}

/** Attribute readers with the ONNX defaults spelled at the call site. */
export function intAttr(n: Node, name: string, fallback: number): number {
  const a = n.attributes.get(name);
  return a?.type === 'i' ? Number(a.value) : fallback;
}

export function floatAttr(n: Node, name: string, fallback: number): number {
  const a = n.attributes.get(name);
  return a?.type === 'f' ? a.value : fallback;
}

export function intsAttr(n: Node, name: string): number[] | undefined {
  const a = n.attributes.get(name);
  return a?.type === 'is' ? a.value.map(Number) : undefined;
}

export function stringAttr(n: Node, name: string, fallback: string): string {
  const a = n.attributes.get(name);
  return a?.type === 's' ? a.value : fallback;
}

/** A new node (attributes written with `attrs`). */
export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attributes: Record<string, Attribute> = {},
  domain = '',
): Node {
  return { name, opType, domain, inputs, outputs, attributes: new Map(Object.entries(attributes)) };
}

export const attrs = {
  int: (v: number): Attribute => ({ type: 'i', value: BigInt(v) }),
  ints: (v: readonly number[]): Attribute => ({ type: 'is', value: v.map((x) => BigInt(x)) }),
  float: (v: number): Attribute => ({ type: 'f', value: v }),
  floats: (v: readonly number[]): Attribute => ({ type: 'fs', value: [...v] }),
  string: (v: string): Attribute => ({ type: 's', value: v }),
};
