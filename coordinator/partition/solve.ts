// The cut search, on numbers only. Positions 0..n; a stage is a non-empty range [a, b) of compute positions.
// Stage cost = its compute time + the transfer time of the tensors crossing its two boundaries; a split into
// K stages minimises the largest stage cost (the pipeline's bottleneck), then the total bytes crossing cuts,
// subject to each stage's stored weight bytes <= its budget. Dynamic programming over (stage, end position),
// O(n^2 (K + s)) for s constants read per node; weights are unions (shared tensors count once per stage).

export interface CutProblem {
  n: number;
  /** Prefix sums of per-position time: time of [a, b) is prefix[b] - prefix[a]. */
  prefixSeconds: Float64Array;
  /** Transfer seconds of each cut (0..n; 0 and n are not charged). */
  cutSeconds: Float64Array;
  cutBytes: readonly number[];
  allowed: readonly boolean[];
  /** Per position: keys of stored constants it reads. */
  support: readonly (readonly string[])[];
  storedBytes: ReadonlyMap<string, number>;
  /** Extra keys the last stage holds (constants graph outputs read). */
  lastSupport: readonly string[];
}

export interface CutSolution {
  /** Stage boundaries: 0 = b0 < b1 < ... < bK = n. */
  bounds: number[];
  bottleneckSeconds: number;
  crossBytes: number;
}

class WeightSweep {
  private readonly seen = new Set<string>();
  bytes = 0;
  constructor(private readonly stored: ReadonlyMap<string, number>) {}
  add(keys: readonly string[]): void {
    for (const k of keys) {
      if (this.seen.has(k)) continue;
      this.seen.add(k);
      this.bytes += this.stored.get(k) ?? 0;
    }
  }
}

export function stageSeconds(p: CutProblem, a: number, b: number): number {
  return (
    p.prefixSeconds[b] - p.prefixSeconds[a] + (a > 0 ? p.cutSeconds[a] : 0) + (b < p.n ? p.cutSeconds[b] : 0)
  );
}

/** Stored bytes of the stage [a, b). */
export function stageWeight(p: CutProblem, a: number, b: number): number {
  const w = new WeightSweep(p.storedBytes);
  for (let i = a; i < b; i++) w.add(p.support[i]);
  if (b === p.n) w.add(p.lastSupport);
  return w.bytes;
}

/** The best split into budgets.length stages, or undefined when none fits the budgets. */
export function solveCuts(p: CutProblem, budgets: readonly number[]): CutSolution | undefined {
  const { n } = p;
  const K = budgets.length;
  if (K < 1 || K > n) return undefined;
  const maxBudget = Math.max(...budgets);
  // best[k][j]: the best (bottleneck, bytes) covering [0, j) with k stages; from[k][j]: where stage k began.
  const best = Array.from({ length: K + 1 }, () => new Float64Array(n + 1).fill(Infinity));
  const bytes = Array.from({ length: K + 1 }, () => new Float64Array(n + 1).fill(Infinity));
  const from = Array.from({ length: K + 1 }, () => new Int32Array(n + 1).fill(-1));
  best[0][0] = 0;
  bytes[0][0] = 0;
  for (let j = 1; j <= n; j++) {
    if (!p.allowed[j]) continue;
    const w = new WeightSweep(p.storedBytes);
    if (j === n) w.add(p.lastSupport);
    for (let i = j - 1; i >= 0; i--) {
      w.add(p.support[i]);
      if (w.bytes > maxBudget) break; // weights only grow as the stage starts earlier
      if (!p.allowed[i]) continue;
      const cost = stageSeconds(p, i, j);
      const crossed = j < n ? p.cutBytes[j] : 0;
      for (let k = 1; k <= Math.min(K, j); k++) {
        if (w.bytes > budgets[k - 1] || best[k - 1][i] === Infinity) continue;
        if (k === K && j !== n) continue;
        const b = Math.max(best[k - 1][i], cost);
        const c = bytes[k - 1][i] + crossed;
        if (b < best[k][j] * (1 - 1e-12) || (b <= best[k][j] * (1 + 1e-12) && c < bytes[k][j])) {
          best[k][j] = b;
          bytes[k][j] = c;
          from[k][j] = i;
        }
      }
    }
  }
  if (best[K][n] === Infinity) return undefined;
  const bounds = [n];
  for (let k = K, j = n; k > 0; k--) {
    j = from[k][j];
    bounds.unshift(j);
  }
  return { bounds, bottleneckSeconds: best[K][n], crossBytes: bytes[K][n] };
}

/**
 * The fewest stages that fit, taking budgets[k] for stage k (the last budget repeats when `repeatLast`), by
 * greedy: each stage ends at the furthest allowed cut within its budget, which is optimal because a stage
 * that starts later never weighs more. Undefined when even that cannot cover the model.
 */
export function fewestStages(
  p: CutProblem,
  budgets: readonly number[],
  repeatLast: boolean,
): number | undefined {
  let pos = 0;
  let k = 0;
  while (pos < p.n) {
    if (k >= budgets.length && !repeatLast) return undefined;
    const budget = budgets[Math.min(k, budgets.length - 1)];
    const w = new WeightSweep(p.storedBytes);
    let end = -1;
    for (let b = pos + 1; b <= p.n; b++) {
      w.add(p.support[b - 1]);
      if (b === p.n) w.add(p.lastSupport);
      if (w.bytes > budget) break;
      if (p.allowed[b]) end = b;
    }
    if (end < 0) return undefined;
    pos = end;
    k++;
  }
  return k;
}

/** The smallest uniform per-stage budget with which `stages` stages fit (binary search over the greedy). */
export function smallestBudget(p: CutProblem, stages: number): number | undefined {
  let hi = stageWeight(p, 0, p.n);
  const fits = (b: number) => {
    const k = fewestStages(p, [b], true);
    return k !== undefined && k <= stages;
  };
  if (!fits(hi)) return undefined;
  let lo = 0; // does not fit (unless the model stores nothing)
  if (fits(0)) return 0;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
