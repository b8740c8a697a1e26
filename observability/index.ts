// Observability for every process: telemetry setup (entry points only), node spans of traced runs, metrics.
// Everything here but setupTelemetry needs only @opentelemetry/api; the SDK loads when setupTelemetry
// finds something configured.
export {
  setupTelemetry,
  withTelemetry,
  telemetryAction,
  tracesConfigured,
  metricsPortOf,
  type Telemetry,
  type TelemetryOptions,
} from './setup.js';
export {
  tracedRun,
  startRunSpan,
  endRunSpan,
  RUN_SPAN,
  type TracedRunOptions,
  type RunSpan,
  type RunSpanOptions,
  type RunSpanResult,
} from './traced-run.js';
export { emitNodeSpans, hrTimeOf, wallOffsetUs, type NodeSpansInput } from './node-spans.js';
export { ATTR, bindDims, formatShape, planAttributes } from './node-attributes.js';
export { fleetMetrics, METRIC, type FleetMetrics } from './metrics.js';
export { reportTelemetryError, telemetryErrorCount } from './report-once.js';
export {
  contextFromHeaders,
  injectContext,
  endWithError,
  TRACE_HEADERS,
  type HeaderReader,
  type HeaderWriter,
} from './propagation.js';
