// Trace context in message headers (NATS headers, or any get/set carrier), through the globally installed
// propagator: W3C traceparent/tracestate once setupTelemetry has started the SDK, nothing before (the API's
// no-op propagator), so a process that does not trace pays nothing.
import { type Context, propagation, ROOT_CONTEXT, type Span, SpanStatusCode } from '@opentelemetry/api';

/** What propagation needs of a header set (nats MsgHdrs fits). */
export interface HeaderReader {
  get(key: string): string;
}
export interface HeaderWriter {
  set(key: string, value: string): void;
}

export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

const getter = {
  get: (h: HeaderReader, key: string) => h.get(key) || undefined,
  // Only the W3C keys are ever asked for; listing others would need the carrier's key list.
  keys: () => [...TRACE_HEADERS],
};
const setter = { set: (h: HeaderWriter, key: string, value: string) => h.set(key, value) };

/** The context a message's headers carry (the caller's span as remote parent); the root context if none. */
export function contextFromHeaders(headers: HeaderReader | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!headers) return base;
  try {
    return propagation.extract(base, headers, getter);
  } catch {
    return base; // a malformed header must not fail the request
  }
}

/**
 * Writes `ctx`'s span context into `headers`; returns whether anything was written (false when no propagator
 * is installed or the context holds no valid span).
 */
export function injectContext(ctx: Context, headers: HeaderWriter & HeaderReader): boolean {
  try {
    propagation.inject(ctx, headers, setter);
    return !!headers.get('traceparent');
  } catch {
    return false;
  }
}

/** Ends `span` with status ERROR naming the error's code (FleetError.code, else its name). Never throws. */
export function endWithError(span: Span, error: unknown, code?: string): void {
  try {
    if (span.isRecording()) {
      const e = error instanceof Error ? error : new Error(String(error));
      const c = code ?? ((e as { code?: unknown }).code as string | undefined) ?? e.name;
      span.recordException(e);
      span.setAttribute('error.type', c);
      span.setStatus({ code: SpanStatusCode.ERROR, message: `${c}: ${e.message}` });
    }
  } finally {
    span.end();
  }
}
