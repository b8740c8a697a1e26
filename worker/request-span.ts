// The span of one unit of work a worker serves (an online request, a pipeline stage, a durable job): the child
// of the trace context its message headers carry, ended with status ERROR and the error code on failure, and
// (for requests) counted in the request metrics. Without an SDK every call here is the API's no-op.
import { type Attributes, type Context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { contextFromHeaders, endWithError, fleetMetrics, type HeaderReader } from '../observability/index.js';

const tracer = trace.getTracer('onnxfleet-worker');

export class RequestSpan {
  readonly span: Span;
  /** The context holding this span: the parent of the work it starts (runs, the next stage's hop). */
  readonly context: Context;
  private readonly started = performance.now();

  constructor(
    name: string,
    kind: SpanKind,
    headers: HeaderReader | undefined,
    attributes: Attributes,
    /** The model label of the request metrics; undefined: not counted (durable jobs). */
    private readonly metricsModel?: string,
  ) {
    const parent = contextFromHeaders(headers);
    this.span = tracer.startSpan(name, { kind, attributes }, parent);
    this.context = trace.setSpan(parent, this.span);
  }

  /** The request finished well. */
  ok(): void {
    this.span.end();
    if (this.metricsModel) fleetMetrics().recordRequest(this.metricsModel, 'ok', this.elapsedMs());
  }

  /** The request failed with `code` (a FleetError code). */
  fail(error: unknown, code: string): void {
    endWithError(this.span, error, code);
    if (this.metricsModel) fleetMetrics().recordRequest(this.metricsModel, code, this.elapsedMs());
  }

  private elapsedMs(): number {
    return performance.now() - this.started;
  }
}
