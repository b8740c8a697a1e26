// One call per process entry point: the OpenTelemetry Node SDK configured by the standard OTEL_* variables,
// plus a Prometheus endpoint. With nothing configured it installs nothing and does not even load the SDK,
// so the API stays a no-op. Library code never calls this; it uses @opentelemetry/api (tracedRun, metrics).

export interface TelemetryOptions {
  /** service.name of this process's spans and metrics ($OTEL_SERVICE_NAME wins when set). */
  serviceName: string;
  /** Port of the Prometheus endpoint (/metrics); 0 turns it off. Default $ONNXFLEET_METRICS_PORT, else off. */
  metricsPort?: number;
  /** Interface it listens on. Default $ONNXFLEET_METRICS_HOST, else all interfaces. */
  metricsHost?: string;
}

export interface Telemetry {
  /** True when spans are exported (an exporter was configured through OTEL_* variables). */
  readonly tracing: boolean;
  /** The Prometheus endpoint's port, or undefined when it is off (or could not listen: that is logged). */
  readonly metricsPort: number | undefined;
  /** Flushes pending spans and metrics and stops the exporters, waiting at most `timeoutMs`. Never rejects. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** True when OTEL_* variables ask for trace export (an exporter or an OTLP endpoint is named). */
export function tracesConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'null');
  if (exporters.length) return !(exporters.length === 1 && exporters[0] === 'none');
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** The metrics port from the option, else $ONNXFLEET_METRICS_PORT; 0 means off. */
export function metricsPortOf(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const raw = option ?? (env.ONNXFLEET_METRICS_PORT?.trim() || 0);
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    const from = option === undefined ? 'ONNXFLEET_METRICS_PORT' : 'metricsPort';
    throw new RangeError(`${from} must be a port number (0 = off), got '${raw}'`);
  }
  return port;
}

const OFF: Telemetry = { tracing: false, metricsPort: undefined, shutdown: async () => {} };
let current: Promise<Telemetry> | undefined;

/**
 * Sets up telemetry for this process; resolves once it is running (the metrics endpoint listening).
 * Traces: exported as OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_* say (OTLP over HTTP, protobuf unless
 * OTEL_EXPORTER_OTLP_PROTOCOL says http/json or grpc), sampled as OTEL_TRACES_SAMPLER says (default: follow
 * the parent), batched off the request path. Metrics: Prometheus text on the metrics port. Export failures
 * are logged once and never reach a request. A second call returns the first call's telemetry.
 */
export function setupTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (current) return current;
  const tracing = tracesConfigured();
  const metricsPort = metricsPortOf(options.metricsPort);
  if (!tracing && metricsPort === 0) return Promise.resolve(OFF);
  const started = import('./sdk.js').then(({ startSdk }) =>
    startSdk({ ...options, tracing, metricsPort, onShutdown: () => (current = undefined) }),
  );
  current = started;
  return started;
}

/**
 * A command-line action wrapped in withTelemetry (no metrics endpoint: the command is short-lived), for
 * commander's `.action(...)`.
 */
export function telemetryAction<A extends unknown[]>(
  serviceName: string,
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return (...args: A) => withTelemetry({ serviceName, metricsPort: 0 }, () => action(...args));
}

/**
 * For a command that runs and exits: sets up telemetry, runs `fn`, and flushes and stops telemetry after it
 * (whether `fn` resolves or throws), so the spans of a short-lived process are exported before it ends.
 */
export async function withTelemetry<T>(
  options: TelemetryOptions,
  fn: (telemetry: Telemetry) => Promise<T>,
): Promise<T> {
  const telemetry = await setupTelemetry(options);
  try {
    return await fn(telemetry);
  } finally {
    await telemetry.shutdown();
  }
}
