// A tiny OTLP/HTTP trace receiver for the demo: a node:http server on a random loopback port that takes the
// spans every local process exports (OTLP JSON, POST /v1/traces, as the exporters send it with
// OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and keeps them by trace id. Also the two ways the demo shows a
// trace: a span tree as text, and Chrome trace JSON (chrome://tracing, https://ui.perfetto.dev).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type AttrValue = string | number | boolean | AttrValue[];

export interface CollectedSpan {
  traceId: string; // lowercase hex
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** SpanKind as OTLP numbers it: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0: unset). */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttrValue>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  /** The exporting process: its resource's service.name and process.pid (0 when it sent none). */
  service: string;
  pid: number;
}

export interface TraceCollector {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (the exporters append /v1/traces). */
  readonly endpoint: string;
  /** Spans received so far, of every trace. */
  readonly spanCount: number;
  /** Every span received so far of this trace, in arrival order. */
  spansOf(traceId: string): CollectedSpan[];
  /**
   * Polls until `complete` says the spans received of this trace are all there, or `timeoutMs` passes;
   * resolves with what has arrived either way (check it again to tell which).
   */
  waitFor(
    traceId: string,
    complete: (spans: CollectedSpan[]) => boolean,
    timeoutMs: number,
  ): Promise<CollectedSpan[]>;
  close(): Promise<void>;
}

/* OTLP JSON (opentelemetry-proto's JSON mapping): ids are hex, 64-bit integers strings (or numbers). */
interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
}
interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}
interface JsonSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number | string;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: JsonKeyValue[];
  status?: { code?: number | string; message?: string };
}
interface JsonExport {
  resourceSpans?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: { spans?: JsonSpan[] }[];
  }[];
}

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];
/** The JSON mapping may spell enums by name (SPAN_KIND_SERVER, STATUS_CODE_ERROR). */
const enumOf = (v: number | string | undefined, names: string[]) =>
  typeof v === 'number'
    ? v
    : v === undefined
      ? 0
      : Math.max(
          0,
          names.findIndex((n) => v.endsWith(n)),
        );

function valueOf(v: JsonAnyValue | undefined): AttrValue {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  if (v.kvlistValue) return JSON.stringify(attributesOf(v.kvlistValue.values));
  return '';
}

function attributesOf(kvs: JsonKeyValue[] | undefined): Record<string, AttrValue> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

const nanos = (v: string | number | undefined) => (v === undefined ? 0n : BigInt(v));

/** The spans of one OTLP JSON export request body. */
export function decodeOtlpJson(body: string): CollectedSpan[] {
  const payload = JSON.parse(body) as JsonExport;
  const out: CollectedSpan[] = [];
  for (const rs of payload.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    const service = String(resource['service.name'] ?? 'unknown_service');
    const pid = Number(resource['process.pid'] ?? 0);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        if (!s.traceId || !s.spanId) continue;
        out.push({
          traceId: s.traceId.toLowerCase(),
          spanId: s.spanId.toLowerCase(),
          parentSpanId: (s.parentSpanId ?? '').toLowerCase(),
          name: s.name ?? '',
          kind: enumOf(s.kind, KINDS),
          startNs: nanos(s.startTimeUnixNano),
          endNs: nanos(s.endTimeUnixNano),
          attributes: attributesOf(s.attributes),
          status: { code: enumOf(s.status?.code, STATUS), message: s.status?.message ?? '' },
          service,
          pid,
        });
      }
    }
  }
  return out;
}

const MAX_BODY = 32 * 2 ** 20;

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

/** Starts the receiver on 127.0.0.1 at a port the system picks. */
export async function startTraceCollector(): Promise<TraceCollector> {
  const traces = new Map<string, CollectedSpan[]>();
  let count = 0;
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/traces')
      return reply(res, 404, '{"message":"only POST /v1/traces"}');
    if (!(req.headers['content-type'] ?? '').includes('json'))
      return reply(res, 415, '{"message":"only OTLP JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)"}');
    let spans: CollectedSpan[];
    try {
      spans = decodeOtlpJson(body.toString('utf8'));
    } catch (e) {
      return reply(res, 400, JSON.stringify({ message: `not OTLP JSON: ${(e as Error).message}` }));
    }
    for (const s of spans) {
      let list = traces.get(s.traceId);
      if (!list) traces.set(s.traceId, (list = []));
      list.push(s);
    }
    count += spans.length;
    reply(res, 200, '{}');
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () =>
      size > MAX_BODY
        ? reply(res, 413, '{"message":"export request too large"}')
        : handle(req, res, Buffer.concat(chunks)),
    );
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref(); // a forgotten collector never keeps the process alive
  const { port } = server.address() as AddressInfo;
  const spansOf = (traceId: string) => [...(traces.get(traceId.toLowerCase()) ?? [])];
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get spanCount() {
      return count;
    },
    spansOf,
    async waitFor(traceId, complete, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const spans = spansOf(traceId);
        if (complete(spans) || performance.now() >= deadline) return spans;
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the exporters keep their connections alive
      }),
  };
}

/* ---------------------------------------------------------------------------------------------------------- */

interface TreeNode {
  span: CollectedSpan;
  depth: number;
}

/** The spans in tree order (depth first, siblings by start time); roots are spans whose parent is absent. */
export function treeOrder(spans: readonly CollectedSpan[]): TreeNode[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, CollectedSpan[]>();
  const roots: CollectedSpan[] = [];
  for (const s of spans) {
    if (s.parentSpanId && ids.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      let list = children.get(s.parentSpanId);
      if (!list) children.set(s.parentSpanId, (list = []));
      list.push(s);
    } else roots.push(s);
  }
  const byStart = (a: CollectedSpan, b: CollectedSpan) =>
    a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0;
  const out: TreeNode[] = [];
  const seen = new Set<string>();
  const visit = (s: CollectedSpan, depth: number) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    out.push({ span: s, depth });
    for (const c of (children.get(s.spanId) ?? []).sort(byStart)) visit(c, depth + 1);
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  return out;
}

const NODE_OP = 'onnx.node.op_type';
const text = (v: AttrValue | undefined): string =>
  v === undefined ? '' : Array.isArray(v) ? v.map(text).join(', ') : String(v);
const ms = (ns: bigint) => Number(ns) / 1e6;

/** Whether a span is one graph node's (the engine's per-node spans carry the node's op type). */
export function isNodeSpan(s: CollectedSpan): boolean {
  return s.attributes[NODE_OP] !== undefined;
}

/** What the tree shows of a span after its name: a node's name and shapes, or the onnxfleet.* attributes. */
function details(s: CollectedSpan): { label: string; info: string } {
  const a = s.attributes;
  let label = s.name;
  let info: string;
  if (isNodeSpan(s)) {
    label = `${s.name} ${text(a['onnx.node.name'])}`;
    const inputs = a['onnx.node.input_shapes'];
    const first = Array.isArray(inputs) ? text(inputs[0]) : text(inputs);
    info = `${first} -> ${text(a['onnx.node.output_shapes'])}`;
    if (a['onnx.node.fused_from'] !== undefined) info += `, fused from ${text(a['onnx.node.fused_from'])}`;
  } else {
    const skip = new Set(['onnxfleet.request_id', 'onnxfleet.batch.trace_id', 'onnxfleet.batch.span_id']);
    info = Object.entries(a)
      .filter(([k]) => k.startsWith('onnxfleet.') && !skip.has(k))
      .map(([k, v]) => `${k.slice('onnxfleet.'.length)}=${text(v)}`)
      .join(' ');
  }
  if (s.status.code === 2) info += ` ERROR${s.status.message ? `: ${s.status.message}` : ''}`;
  return { label, info };
}

/** The trace as indented lines: span, process, start (ms after the first span), duration, details. */
export function formatSpanTree(spans: readonly CollectedSpan[]): string[] {
  const nodes = treeOrder(spans);
  if (!nodes.length) return [];
  const t0 = nodes.reduce((m, n) => (n.span.startNs < m ? n.span.startNs : m), nodes[0].span.startNs);
  const rows = nodes.map(({ span, depth }) => {
    const { label, info } = details(span);
    return {
      label: `${'  '.repeat(depth)}${label}`,
      process: span.pid ? `${span.service}[${span.pid}]` : span.service,
      start: `+${ms(span.startNs - t0).toFixed(3)}`,
      duration: `${ms(span.endNs - span.startNs).toFixed(3)} ms`,
      info,
    };
  });
  const width = (k: 'label' | 'process' | 'start' | 'duration', title: string) =>
    Math.max(title.length, ...rows.map((r) => r[k].length));
  const w = {
    label: width('label', 'span'),
    process: width('process', 'process'),
    start: width('start', 'start ms'),
    duration: width('duration', 'duration'),
  };
  const line = (label: string, process: string, start: string, duration: string, info: string) =>
    `${label.padEnd(w.label)}  ${process.padEnd(w.process)}  ${start.padStart(w.start)}  ${duration.padStart(w.duration)}  ${info}`.trimEnd();
  return [
    line('span', 'process', 'start ms', 'duration', ''),
    ...rows.map((r) => line(r.label, r.process, r.start, r.duration, r.info)),
  ];
}

/** One Chrome trace event: a complete event ('X') per span, metadata ('M') naming each process's track. */
export interface ChromeTraceEvent {
  name: string;
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args: Record<string, unknown>;
}

/**
 * The trace in Chrome's trace event format (JSON object form): one track per process (named by service and
 * pid), a complete event per span with ts and dur in microseconds since the trace's first span, and the
 * span's attributes, ids and status in args.
 */
export function chromeTrace(spans: readonly CollectedSpan[]): {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string>;
} {
  const nodes = treeOrder(spans);
  const t0 = nodes.reduce((m, n) => (n.span.startNs < m ? n.span.startNs : m), nodes[0]?.span.startNs ?? 0n);
  // A track per process; one without a pid (it sent none) gets a made-up id per service.
  const tracks = new Map<string, number>();
  const trackOf = (s: CollectedSpan) => {
    const key = `${s.service}|${s.pid}`;
    let id = tracks.get(key);
    if (id === undefined) tracks.set(key, (id = s.pid || 1_000_000 + tracks.size));
    return id;
  };
  // Viewers nest the events of a track by time, and drop or misplace one that sticks out of its parent. The
  // SDK starts spans at Date.now() (whole milliseconds) and ends them a precise duration later, so a child
  // can start or end up to 1 ms outside its parent: such an event is clamped into its parent on the same
  // track (args keep the span's own times).
  const placed = new Map<string, { track: number; start: bigint; end: bigint }>();
  const events: ChromeTraceEvent[] = nodes.map(({ span: s }) => {
    const track = trackOf(s);
    let start = s.startNs;
    let end = s.endNs < s.startNs ? s.startNs : s.endNs;
    const parent = placed.get(s.parentSpanId);
    if (parent?.track === track) {
      start = start < parent.start ? parent.start : start > parent.end ? parent.end : start;
      end = end > parent.end ? parent.end : end < start ? start : end;
    }
    placed.set(s.spanId, { track, start, end });
    return {
      name: isNodeSpan(s) ? `${s.name} ${text(s.attributes['onnx.node.name'])}` : s.name,
      cat: isNodeSpan(s) ? 'node' : KINDS[s.kind]?.toLowerCase() || 'span',
      ph: 'X' as const,
      pid: track,
      tid: track,
      ts: Number(start - t0) / 1e3,
      dur: Number(end - start) / 1e3,
      args: {
        ...s.attributes,
        'span.id': s.spanId,
        'span.parent_id': s.parentSpanId,
        'span.kind': KINDS[s.kind] ?? String(s.kind),
        'span.start_unix_nano': s.startNs.toString(),
        'span.end_unix_nano': s.endNs.toString(),
        ...(s.status.code
          ? { 'span.status': STATUS[s.status.code], 'span.status_message': s.status.message }
          : {}),
      },
    };
  });
  // Parents before children where they start together, so viewers nest them.
  events.sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
  const meta: ChromeTraceEvent[] = [];
  let order = 0;
  for (const [key, id] of tracks) {
    const [service, pid] = key.split('|');
    const name = pid !== '0' ? `${service} (pid ${pid})` : service;
    meta.push(
      { name: 'process_name', ph: 'M', pid: id, tid: id, args: { name } },
      { name: 'process_sort_index', ph: 'M', pid: id, tid: id, args: { sort_index: order++ } },
      { name: 'thread_name', ph: 'M', pid: id, tid: id, args: { name: service } },
    );
  }
  return {
    traceEvents: [...meta, ...events],
    displayTimeUnit: 'ms',
    otherData: {
      trace_id: spans[0]?.traceId ?? '',
      start_time_unix_nano: t0.toString(),
    },
  };
}
