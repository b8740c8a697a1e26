// Passes as data: a named list of rules, each a (pattern, condition, rewrite) triple anchored on one op type.
// The pass matches every node against the rules, applies the rewrites that do not overlap, and repeats on
// the new graph until no rule applies.
import type { Model, Node, TensorData } from '../ir/types.js';
import type { GraphOptimizationLevel } from '../session-options.js';
import type { Pass } from './pass.js';
import { GraphView } from './view.js';

/** What a rule does to the graph: its matched nodes go, new ones take the place of the last of them. */
export interface Rewrite {
  remove: Node[];
  add: Node[];
  /** Constants the new nodes read. */
  initializers?: TensorData[];
}

export interface Rule<M = unknown> {
  name: string;
  /** ai.onnx op types (or `domain` ones) that anchor the pattern. */
  ops: readonly string[];
  domain?: string;
  /** The structure around the anchor, as named parts; nothing when the node does not anchor a match. */
  pattern(node: Node, view: GraphView): M | undefined;
  /** What must hold of the parts (shapes, constants, kernels) for the rewrite to keep outputs equal. */
  condition?(match: M, view: GraphView): boolean;
  /** The rewrite; nothing when it turns out not to apply. */
  rewrite(match: M, view: GraphView): Rewrite | undefined;
}

/** Erases a rule's match type so rules of different patterns share one list. */
export function defineRule<M>(rule: Rule<M>): Rule {
  return rule as unknown as Rule;
}

const MAX_ROUNDS = 32;

export function rulePass(
  name: string,
  level: Exclude<GraphOptimizationLevel, 'disabled'>,
  rules: Rule[],
): Pass {
  return {
    name,
    level,
    run(model, ctx) {
      let changed = false;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const view = new GraphView(model, ctx);
        const rewrites = matchAll(model, view, rules);
        if (!rewrites.length) break;
        apply(model, rewrites);
        changed = true;
      }
      return changed;
    },
  };
}

function matchAll(model: Model, view: GraphView, rules: Rule[]): Rewrite[] {
  const round = new Round();
  for (const node of model.graph.nodes) {
    if (round.taken.has(node)) continue;
    for (const rule of rules) {
      if ((rule.domain ?? '') !== node.domain || !rule.ops.includes(node.opType)) continue;
      const m = rule.pattern(node, view);
      if (m === undefined || (rule.condition && !rule.condition(m, view))) continue;
      const r = rule.rewrite(m, view);
      if (r && round.accept(r)) break;
    }
  }
  return round.rewrites;
}

/**
 * The rewrites of one round, all matched against the same graph: each is kept only if it touches no node
 * another one removes, and reads no value another one makes disappear (or the other way round).
 */
class Round {
  readonly rewrites: Rewrite[] = [];
  readonly taken = new Set<Node>();
  private readonly gone = new Set<string>();
  private readonly read = new Set<string>();

  accept(r: Rewrite): boolean {
    const made = new Set(r.add.flatMap((n) => n.outputs));
    const gone = r.remove.flatMap((n) => n.outputs).filter((o) => o && !made.has(o));
    const reads = r.add.flatMap((n) => n.inputs).filter(Boolean);
    if (r.remove.some((n) => this.taken.has(n))) return false;
    if (reads.some((v) => this.gone.has(v)) || gone.some((v) => this.read.has(v))) return false;
    r.remove.forEach((n) => this.taken.add(n));
    gone.forEach((v) => this.gone.add(v));
    reads.forEach((v) => this.read.add(v));
    this.rewrites.push(r);
    return true;
  }
}

function apply(model: Model, rewrites: Rewrite[]): void {
  const g = model.graph;
  const index = new Map(g.nodes.map((n, i) => [n, i]));
  const removed = new Set<Node>();
  const insertAt = new Map<number, Node[]>();
  for (const r of rewrites) {
    r.remove.forEach((n) => removed.add(n));
    // The last matched node comes after every producer the pattern reads, so the new nodes go there.
    const at = Math.max(-1, ...r.remove.map((n) => index.get(n) ?? -1));
    insertAt.set(at, [...(insertAt.get(at) ?? []), ...r.add]);
    for (const t of r.initializers ?? []) g.initializers.set(t.name, t);
    for (const n of r.add) if (n.domain && !model.opsets.has(n.domain)) model.opsets.set(n.domain, 1);
  }
  const nodes: Node[] = [...(insertAt.get(-1) ?? [])];
  g.nodes.forEach((n, i) => {
    if (!removed.has(n)) nodes.push(n);
    nodes.push(...(insertAt.get(i) ?? []));
  });
  g.nodes = nodes;
}
