// The OpenTelemetry SDK, loaded only by setupTelemetry when something is configured: NodeSDK with the
// OTEL_* span processors, a Prometheus reader, and a resource that names the service.
import { diag, type DiagLogger, DiagLogLevel } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { reportTelemetryError } from './report-once.js';
import type { Telemetry, TelemetryOptions } from './setup.js';

const ignore = () => {};
/** Receives the SDK's diag.error lines (export failures, from every copy of @opentelemetry/core it loads). */
const onceLogger: DiagLogger = {
  error: (message: string) => reportTelemetryError('telemetry export', new Error(messageOf(message))),
  warn: ignore,
  info: ignore,
  debug: ignore,
  verbose: ignore,
};

/** The message of an error the SDK wrote as JSON (its logging error handler does), else the first line. */
function messageOf(text: string): string {
  try {
    const e = JSON.parse(text) as { message?: unknown };
    if (typeof e.message === 'string') return e.message;
  } catch {
    // plain text
  }
  return text.split('\n')[0];
}

export async function startSdk(
  options: TelemetryOptions & { tracing: boolean; metricsPort: number; onShutdown: () => void },
): Promise<Telemetry> {
  const { tracing, metricsPort: port } = options;
  const prometheus =
    port > 0
      ? new PrometheusExporter({
          port,
          host: options.metricsHost ?? (process.env.ONNXFLEET_METRICS_HOST?.trim() || undefined),
          preventServerStart: true,
        })
      : undefined;
  // service.name: $OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES' (the env detector) over the option.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }))
    .merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] }));
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    // Without spanProcessors the SDK builds them from OTEL_* variables; [] keeps tracing off.
    ...(tracing ? {} : { spanProcessors: [] }),
    metricReaders: prometheus ? [prometheus] : [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  // Unless OTEL_LOG_LEVEL asks for the SDK's own logging, its errors are logged once and counted.
  if (!process.env.OTEL_LOG_LEVEL) diag.setLogger(onceLogger, { logLevel: DiagLogLevel.ERROR });
  sdk.start();

  let listening = false;
  if (prometheus) {
    // Scrapes read the resource (target_info): open the endpoint once its async attributes (host.id) settle.
    try {
      await resource.waitForAsyncAttributes?.();
      await prometheus.startServer();
      listening = true;
    } catch (e) {
      reportTelemetryError(`metrics endpoint on port ${port}`, e);
    }
  }

  return {
    tracing,
    metricsPort: listening ? port : undefined,
    async shutdown(timeoutMs = 5000) {
      options.onShutdown();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          reportTelemetryError('telemetry export', new Error(`shutdown not done after ${timeoutMs} ms`));
          resolve();
        }, timeoutMs);
      });
      const done = sdk.shutdown().catch((e: unknown) => reportTelemetryError('telemetry export', e));
      await Promise.race([done, timeout]);
      clearTimeout(timer);
    },
  };
}
