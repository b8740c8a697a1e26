// Client spans and trace-context propagation through NATS headers. Only @opentelemetry/api is used: without an
// SDK set up by the process these are no-ops, and a telemetry failure never fails a request.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';

const tracer = () => trace.getTracer('onnxfleet-client');

/** Runs `fn` inside a client span whose context travels in the headers `fn` is given. */
export async function withClientSpan<T>(
  name: string,
  attributes: Record<string, string | number>,
  fn: (headers: MsgHdrs, span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const headers = natsHeaders();
    try {
      propagation.inject(context.active(), headers, {
        set: (carrier, key, value) => carrier.set(key, value),
      });
    } catch {
      /* telemetry never fails a request */
    }
    try {
      const result = await fn(headers, span);
      span.setStatus({ code: SpanStatusCode.OK });
      return result;
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
      throw e;
    } finally {
      span.end();
    }
  });
}
