// The main graph as a sequence the planner can cut: nodes in topological order, split into constant nodes
// (everything computable from initializers alone: Constant, Identity of a weight, shape math on constants),
// which are copied into every stage that reads them, and compute nodes, the positions the planner cuts between.
// For each cut position it knows which values cross it (graph inputs and node outputs still needed after the
// cut, including graph outputs made early, which are carried to the last stage) and their bytes.
import { byteLength } from '../../engine/dtype.js';
import type { Graph, Node, TensorData, ValueType } from '../../engine/ir/types.js';
import { freeNames, subgraphsOf, topoOrder } from '../../engine/plan/build-plan.js';
import { NONDETERMINISTIC_OPS } from '../../engine/optimizer/nondeterministic.js';
import type { PreparedModel } from './prepare.js';

export interface ValueSpan {
  name: string;
  /** Compute position that produces it, or -1 for a graph input. */
  producer: number;
  /** Last compute position that reads it; n when it is a graph output (needed after the last node). */
  lastUse: number;
  /** Bytes at the cost model's dims; undefined when the type is unknown. */
  bytes?: number;
  /** The declared type (symbolic dims) a stage boundary would carry. */
  type?: ValueType;
}

export interface GraphSequence {
  /** Every node of the main graph in topological order. */
  order: Node[];
  /** order indices of the compute nodes, in order: compute position p is order[compute[p]]. */
  compute: number[];
  /** Per order index: a constant node. */
  constant: boolean[];
  /** Per compute position: the stored constants it reads (directly or through constant nodes), as keys. */
  support: string[][];
  /** Per compute position: order indices of the constant nodes it needs. */
  closure: number[][];
  /** Stored bytes per constant key (initializer name, or a Constant node's / subgraph's own tensors). */
  storedBytes: Map<string, number>;
  /** What the last stage needs beyond its nodes: constants the graph outputs read. */
  outputSupport: string[];
  outputClosure: number[];
  /** Non-constant values (graph inputs and compute outputs) by name. */
  values: Map<string, ValueSpan>;
  /** Formal graph inputs (not initializers), in declaration order. */
  inputs: string[];
}

function tensorBytes(t: TensorData): number {
  return Array.isArray(t.data) ? t.data.reduce((a, s) => a + s.length, 0) : t.data.byteLength;
}

/** Bytes of the tensors a graph stores itself: initializers, Constant values, nested subgraphs. */
function ownedBytes(g: Graph): number {
  let total = 0;
  for (const t of g.initializers.values()) total += tensorBytes(t);
  for (const n of g.nodes) total += nodeOwnedBytes(n);
  return total;
}

function nodeOwnedBytes(n: Node): number {
  let total = 0;
  for (const a of n.attributes.values()) {
    if (a.type === 't') total += tensorBytes(a.value);
    else if (a.type === 'ts') total += a.value.reduce((s, t) => s + tensorBytes(t), 0);
  }
  for (const sub of subgraphsOf(n)) total += ownedBytes(sub);
  return total;
}

/** Everything a node reads: its inputs and what its subgraphs read from the enclosing scope. */
export function readsOf(n: Node): string[] {
  const out = n.inputs.filter(Boolean);
  for (const sub of subgraphsOf(n)) out.push(...freeNames(sub));
  return [...new Set(out)];
}

export function valueBytes(t: ValueType | undefined): number | undefined {
  if (t?.kind !== 'tensor' || !t.shape) return undefined;
  if (!t.shape.every((d) => typeof d === 'number')) return undefined;
  return byteLength(
    t.elemType,
    (t.shape as number[]).reduce((a, b) => a * b, 1),
  );
}

export function buildSequence(p: PreparedModel): GraphSequence {
  const g = p.model.graph;
  const order = topoOrder(g, new Set(), { opsets: p.model.opsets, what: `model '${p.name}'` });
  const inputs = g.inputs.map((i) => i.name).filter((n) => !g.initializers.has(n));
  const storedBytes = new Map<string, number>();
  for (const [name, t] of g.initializers) storedBytes.set(name, tensorBytes(t));

  // A value is constant when an initializer or a constant node makes it.
  const constProducer = new Map<string, number>(); // value -> order index of the constant node
  const constant = order.map(() => false);
  const isConst = (v: string) => g.initializers.has(v) || constProducer.has(v);
  order.forEach((n, i) => {
    const c =
      !NONDETERMINISTIC_OPS.has(n.opType) &&
      subgraphsOf(n).length === 0 &&
      n.inputs.filter(Boolean).every(isConst) &&
      n.outputs.some(Boolean);
    constant[i] = c;
    if (c) {
      for (const o of n.outputs) if (o) constProducer.set(o, i);
      const own = nodeOwnedBytes(n);
      if (own) storedBytes.set(`#${i}`, own);
    }
  });

  // The stored constants and constant nodes behind a set of reads (memoized per constant node).
  const memo = new Map<number, { keys: Set<string>; nodes: Set<number> }>();
  const constantsOf = (i: number): { keys: Set<string>; nodes: Set<number> } => {
    let m = memo.get(i);
    if (m) return m;
    m = { keys: new Set(storedBytes.has(`#${i}`) ? [`#${i}`] : []), nodes: new Set([i]) };
    for (const r of order[i].inputs) if (r) addRead(r, m);
    memo.set(i, m);
    return m;
  };
  const addRead = (r: string, into: { keys: Set<string>; nodes: Set<number> }) => {
    if (g.initializers.has(r)) into.keys.add(r);
    const c = constProducer.get(r);
    if (c === undefined) return;
    const sub = constantsOf(c);
    sub.keys.forEach((k) => into.keys.add(k));
    sub.nodes.forEach((k) => into.nodes.add(k));
  };

  const values = new Map<string, ValueSpan>();
  const span = (name: string, producer: number) =>
    values.set(name, {
      name,
      producer,
      lastUse: -1,
      bytes: valueBytes(p.concrete.get(name)),
      type: p.types.get(name),
    });
  inputs.forEach((name) => span(name, -1));

  const compute: number[] = [];
  const support: string[][] = [];
  const closure: number[][] = [];
  order.forEach((n, i) => {
    if (constant[i]) return;
    const pos = compute.length;
    compute.push(i);
    const need = { keys: new Set<string>(), nodes: new Set<number>() };
    const own = nodeOwnedBytes(n);
    if (own) {
      storedBytes.set(`#${i}`, own);
      need.keys.add(`#${i}`);
    }
    for (const r of readsOf(n)) {
      if (isConst(r)) addRead(r, need);
      else {
        const v = values.get(r);
        if (v) v.lastUse = Math.max(v.lastUse, pos);
      }
    }
    support.push([...need.keys]);
    closure.push([...need.nodes].sort((a, b) => a - b));
    for (const o of n.outputs) if (o) span(o, pos);
  });

  const n = compute.length;
  const out = { keys: new Set<string>(), nodes: new Set<number>() };
  for (const o of g.outputs) {
    if (isConst(o.name)) addRead(o.name, out);
    const v = values.get(o.name);
    if (v) v.lastUse = n;
  }
  return {
    order,
    compute,
    constant,
    support,
    closure,
    storedBytes,
    outputSupport: [...out.keys],
    outputClosure: [...out.nodes].sort((a, b) => a - b),
    values,
    inputs,
  };
}

/** Values crossing cut c (between compute positions c-1 and c): made before it, needed at or after it. */
export function crossing(seq: GraphSequence, c: number): ValueSpan[] {
  const out: ValueSpan[] = [];
  for (const v of seq.values.values()) if (v.producer < c && v.lastUse >= c) out.push(v);
  return out;
}

export interface CutTable {
  /** Bytes crossing each cut position 0..n (0 and n are the model's own inputs and outputs). */
  bytes: number[];
  /**
   * Whether a stage boundary may sit at each position: every crossing value must be a tensor of known
   * element type (it travels as a tensor message and becomes a typed graph input), and the cut must not
   * separate a keep-together group.
   */
  allowed: boolean[];
}

/**
 * keepTogether: groups of node names (e.g. what one optimizer fusion replaces) no cut may separate; constant
 * nodes in a group are ignored, they are copied into whichever stage reads them.
 */
export function cutTable(seq: GraphSequence, keepTogether: readonly (readonly string[])[] = []): CutTable {
  const n = seq.compute.length;
  const position = new Map<string, number>();
  seq.compute.forEach((i, p) => position.set(seq.order[i].name, p));
  const inside = new Array<number>(n + 2).fill(0); // cuts strictly inside a group
  for (const group of keepTogether) {
    const ps = group.map((name) => position.get(name)).filter((p): p is number => p !== undefined);
    if (ps.length < 2) continue;
    inside[Math.min(...ps) + 1]++;
    inside[Math.max(...ps) + 1]--;
  }
  const delta = new Array<number>(n + 2).fill(0);
  const bad = new Array<number>(n + 2).fill(0);
  for (const v of seq.values.values()) {
    const from = v.producer + 1; // first cut it crosses
    if (v.lastUse < from) continue;
    const typed = v.type?.kind === 'tensor';
    delta[from] += v.bytes ?? 0;
    delta[v.lastUse + 1] -= v.bytes ?? 0;
    if (!typed) {
      bad[from]++;
      bad[v.lastUse + 1]--;
    }
  }
  const bytes: number[] = [];
  const allowed: boolean[] = [];
  let run = 0;
  let badRun = 0;
  let insideRun = 0;
  for (let c = 0; c <= n; c++) {
    run += delta[c];
    badRun += bad[c];
    insideRun += inside[c];
    bytes.push(run);
    allowed.push(c === 0 || c === n || (badRun === 0 && insideRun === 0));
  }
  return { bytes, allowed };
}
