// Per-node timings of runs: kept per session, summarized by op type, written as a Chrome trace (Perfetto).
import { writeFileSync } from 'node:fs';

export interface NodeTiming {
  /** Position of the node in the session's plan (session.planNodes). */
  index: number;
  name: string;
  opType: string;
  domain: string;
  /** Original nodes an optimizer fusion replaced with this one. */
  fusedFrom?: readonly string[];
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
  nodes: readonly { name: string; opType: string; domain: string; fusedFrom?: readonly string[] }[],
): NodeTiming[] {
  const out: NodeTiming[] = [];
  for (let i = 0; i + 2 < timings.length; i += 3) {
    const index = timings[i];
    const n = nodes[index];
    const t: NodeTiming = {
      index,
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      startNs: timings[i + 1],
      endNs: timings[i + 2],
    };
    if (n.fusedFrom) t.fusedFrom = n.fusedFrom;
    out.push(t);
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

/**
 * Chrome trace event format: one complete ('X') event per node, openable in Perfetto and chrome://tracing.
 * Times are microseconds from the start of the first run (like onnxruntime's), which keeps nanosecond
 * precision in a double; the wall-clock start of that run is otherData.startTimeUnixUs.
 */
export function chromeTrace(runs: readonly RunProfile[], meta: { model: string; provider: string }) {
  const originUs = runs.reduce((m, r) => Math.min(m, r.startUs), runs[0]?.startUs ?? 0);
  const us = (ns: number) => Math.round(ns) / 1e3;
  const events = runs.flatMap((r, run) => {
    const runNs = Math.round((r.startUs - originUs) * 1e3);
    return r.nodes.map((n) => {
      const start = runNs + Math.round(n.startNs);
      const end = Math.max(start, runNs + Math.round(n.endNs));
      const args: Record<string, unknown> = {
        op_name: n.opType,
        domain: n.domain || 'ai.onnx',
        provider: meta.provider,
        run,
      };
      if (n.fusedFrom) args.fused_from = n.fusedFrom;
      return {
        name: n.name,
        cat: 'Node',
        ph: 'X',
        ts: us(start),
        dur: us(end - start),
        pid: process.pid,
        tid: 0,
        args,
      };
    });
  });
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { model: meta.model, producer: 'onnxfleet', startTimeUnixUs: originUs },
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
