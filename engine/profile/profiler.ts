// Per-node timings of runs: kept per session, summarized by op type, written as a Chrome trace (Perfetto).
import { writeFileSync } from 'node:fs';

export interface NodeTiming {
  name: string;
  opType: string;
  domain: string;
  /** Nanoseconds from the start of the run. */
  startNs: number;
  endNs: number;
}

export interface RunProfile {
  /** Wall-clock start of the run, in microseconds since the epoch. */
  startUs: number;
  nodes: NodeTiming[];
}

export interface OpTypeSummary {
  opType: string;
  calls: number;
  totalMs: number;
  share: number; // of all node time
}

/** Turns the native [index, startNs, endNs]* triples into timings of named nodes. */
export function decodeTimings(
  timings: Float64Array,
  nodes: readonly { name: string; opType: string; domain: string }[],
): NodeTiming[] {
  const out: NodeTiming[] = [];
  for (let i = 0; i + 2 < timings.length; i += 3) {
    const n = nodes[timings[i]];
    out.push({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      startNs: timings[i + 1],
      endNs: timings[i + 2],
    });
  }
  return out;
}

export function summarizeByOpType(runs: readonly RunProfile[]): OpTypeSummary[] {
  const byType = new Map<string, { calls: number; ns: number }>();
  let total = 0;
  for (const r of runs) {
    for (const n of r.nodes) {
      const e = byType.get(n.opType) ?? { calls: 0, ns: 0 };
      e.calls++;
      e.ns += n.endNs - n.startNs;
      total += n.endNs - n.startNs;
      byType.set(n.opType, e);
    }
  }
  const perRun = Math.max(1, runs.length);
  return [...byType]
    .map(([opType, e]) => ({
      opType,
      calls: e.calls / perRun,
      totalMs: e.ns / 1e6 / perRun,
      share: total ? e.ns / total : 0,
    }))
    .sort((a, b) => b.totalMs - a.totalMs);
}

/** Chrome trace event format: one complete ('X') event per node, openable in Perfetto and chrome://tracing. */
export function chromeTrace(runs: readonly RunProfile[], meta: { model: string; provider: string }) {
  const events = runs.flatMap((r, run) =>
    r.nodes.map((n) => ({
      name: n.name,
      cat: 'Node',
      ph: 'X',
      ts: r.startUs + n.startNs / 1e3,
      dur: Math.max(0, (n.endNs - n.startNs) / 1e3),
      pid: process.pid,
      tid: 0,
      args: { op_name: n.opType, domain: n.domain || 'ai.onnx', provider: meta.provider, run },
    })),
  );
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { model: meta.model, producer: 'onnxfleet' },
  };
}

export function writeChromeTrace(
  path: string,
  runs: readonly RunProfile[],
  meta: { model: string; provider: string },
) {
  writeFileSync(path, JSON.stringify(chromeTrace(runs, meta)));
  return path;
}
