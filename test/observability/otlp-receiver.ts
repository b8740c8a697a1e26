// A real OTLP/HTTP trace receiver for tests: a node:http server on a loopback port that decodes what the
// exporters send (protobuf: application/x-protobuf, with the OTLP trace schema below; or OTLP JSON) into
// plain spans. Field numbers follow opentelemetry-proto (trace/v1/trace.proto, common/v1/common.proto).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

const OTLP_TRACE_PROTO = `
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  repeated Event events = 11; repeated Link links = 13; Status status = 15;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const Request = protobuf
  .parse(OTLP_TRACE_PROTO, { keepCase: false })
  .root.lookupType('ExportTraceServiceRequest');

export type AttrValue = string | number | boolean | AttrValue[];

export interface ReceivedSpan {
  traceId: string; // hex
  spanId: string;
  parentSpanId: string; // '' for a root span
  name: string;
  startNs: bigint;
  endNs: bigint;
  /** SpanKind as OTLP numbers it: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0: unset). */
  kind: number;
  attributes: Record<string, AttrValue>;
  links: { traceId: string; spanId: string }[];
  events: { name: string; attributes: Record<string, AttrValue> }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Record<string, AttrValue>;
  /** How it arrived: 'protobuf' or 'json'. */
  encoding: 'protobuf' | 'json';
}

/* The decoded shapes of both encodings, after protobufjs toObject({ longs: String }) or JSON.parse. */
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface Span {
  traceId: string | Uint8Array;
  spanId: string | Uint8Array;
  parentSpanId?: string | Uint8Array;
  name: string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  kind?: number | string;
  attributes?: KeyValue[];
  links?: { traceId: string | Uint8Array; spanId: string | Uint8Array }[];
  events?: { name: string; attributes?: KeyValue[] }[];
  status?: { code?: number | string; message?: string };
}

// The JSON encoding may spell enums by name.
const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUS = ['UNSET', 'OK', 'ERROR'];
const enumOf = (v: number | string | undefined, names: string[]) =>
  v === undefined
    ? 0
    : typeof v === 'number'
      ? v
      : Math.max(
          0,
          names.findIndex((n) => v.endsWith(n)),
        );
interface Payload {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Span[] }[] }[];
}

function value(v: AnyValue | undefined): AttrValue {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return '';
}

const attrs = (kvs: KeyValue[] | undefined) =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, value(kv.value)]));
const hex = (id: string | Uint8Array | undefined) =>
  id === undefined ? '' : typeof id === 'string' ? id.toLowerCase() : Buffer.from(id).toString('hex');

/** Decodes one export request body into spans. */
export function decodeTraces(body: Buffer, contentType: string): ReceivedSpan[] {
  const encoding = contentType.includes('json') ? 'json' : 'protobuf';
  const payload: Payload =
    encoding === 'json'
      ? (JSON.parse(body.toString('utf8')) as Payload)
      : (Request.toObject(Request.decode(body), { longs: String, defaults: false }) as Payload);
  const out: ReceivedSpan[] = [];
  for (const rs of payload.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          kind: enumOf(s.kind, KINDS),
          attributes: attrs(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId) })),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
          status: { code: enumOf(s.status?.code, STATUS), message: s.status?.message ?? '' },
          resource,
          encoding,
        });
      }
    }
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Requests that were not OTLP trace exports, or did not decode. */
  errors: string[];
  close(): Promise<void>;
}

/** `rejectWith`: answer every export with this HTTP status (a collector that refuses what it gets). */
export async function startOtlpReceiver(options: { rejectWith?: number } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const errors: string[] = [];
  const server: Server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const type = req.headers['content-type'] ?? '';
        if (options.rejectWith) {
          res.writeHead(options.rejectWith).end();
          return;
        }
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          errors.push(`${req.method} ${req.url}`);
          res.writeHead(404).end();
          return;
        }
        try {
          spans.push(...decodeTraces(body, type));
        } catch (e) {
          errors.push(`undecodable ${type} body: ${(e as Error).message}`);
          res.writeHead(400).end();
          return;
        }
        const json = type.includes('json');
        res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        res.end(json ? '{}' : Buffer.alloc(0));
      },
      (e: Error) => errors.push(e.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    errors,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
