// One span per executed graph node, built after the run from the native per-node timestamps: children of the
// run's span, with explicit start and end times on the same wall clock the SDK gives other spans.
import { type Context, type HrTime, SpanKind, type Tracer } from '@opentelemetry/api';
import type { PlanNodeInfo, RunProfile } from '../engine/index.js';
import { planAttributes } from './node-attributes.js';

export interface NodeSpansInput {
  /** The session's plan nodes (session.planNodes); the profile's timings index into them. */
  nodes: readonly PlanNodeInfo[];
  /** The run's timings (session.lastRunProfile of a run with profile: true). */
  profile: RunProfile;
  provider: string;
  /** Symbolic dim sizes of this run (bindDims of the feeds), written into the static shapes. */
  dims?: ReadonlyMap<string, number>;
  /**
   * Wall clock minus performance clock, in microseconds, taken when the run started: the profile's times are
   * performance-clock (performance.timeOrigin + performance.now()); spans use Date.now()'s clock, as the
   * SDK does. Default: measured now.
   */
  wallOffsetUs?: number;
  /**
   * Wall-clock bounds (microseconds) of the enclosing run span. Node times come from another thread's clock
   * (a pool thread) and Date.now()'s millisecond offset, so they can stray by up to a millisecond; they are
   * clamped into the run span so the trace nests.
   */
  withinUs?: readonly [number, number];
}

/** Wall-clock offset of the performance clock, in microseconds (see NodeSpansInput.wallOffsetUs). */
export function wallOffsetUs(): number {
  return (Date.now() - (performance.timeOrigin + performance.now())) * 1e3;
}

/** An HrTime from microseconds since the epoch, plus `ns` nanoseconds. */
export function hrTimeOf(us: number, ns = 0): HrTime {
  const sec = Math.floor(us / 1e6);
  const nanos = Math.round((us - sec * 1e6) * 1e3) + Math.round(ns);
  return [sec + Math.floor(nanos / 1e9), ((nanos % 1e9) + 1e9) % 1e9];
}

/** Creates one span per timed node under `parent` (the context of the run's span); returns how many. */
export function emitNodeSpans(tracer: Tracer, parent: Context, input: NodeSpansInput): number {
  const { nodes, profile } = input;
  const attributes = planAttributes(nodes, input.provider, input.dims);
  const startUs = profile.startUs + (input.wallOffsetUs ?? wallOffsetUs());
  const [lo, hi] = input.withinUs ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const at = (ns: number) => Math.min(hi, Math.max(lo, startUs + ns / 1e3));
  for (const t of profile.nodes) {
    const span = tracer.startSpan(
      t.opType,
      { kind: SpanKind.INTERNAL, startTime: hrTimeOf(at(t.startNs)), attributes: attributes[t.index] },
      parent,
    );
    span.end(hrTimeOf(at(t.endNs)));
  }
  return profile.nodes.length;
}
