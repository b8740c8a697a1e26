// A run inside a `session.run` span with one child span per executed graph node. When that span is not
// sampled (or no SDK is installed) the run is plain: no per-node timing, no span work.
// tracedRun does it all where the session lives; startRunSpan/endRunSpan split it for a caller whose session
// runs elsewhere (a piscina thread): start the span here, ask for `profile: run.recording` there, and end the
// span here with the profile that comes back.
import {
  type Attributes,
  type Context,
  context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type {
  FeedValue,
  FetchValue,
  InferenceSession,
  PlanNodeInfo,
  RunOptions,
  RunProfile,
} from '../engine/index.js';
import { bindDims } from './node-attributes.js';
import { emitNodeSpans, hrTimeOf, wallOffsetUs } from './node-spans.js';
import { reportTelemetryError } from './report-once.js';

export const RUN_SPAN = 'session.run';

export interface RunSpanOptions {
  /** Context holding the caller's span (the worker's `infer` span). Default: the active context. */
  parentContext?: Context;
  /** Extra attributes of the `session.run` span (model name, batch size, ...). */
  attributes?: Attributes;
  /** Links of the `session.run` span: a batched run links to the span of every request it serves. */
  links?: Link[];
}

export interface RunSpan {
  readonly span: Span;
  /** Whether the span is sampled: only then should the run record per-node timings (RunOptions.profile). */
  readonly recording: boolean;
  readonly tracer: Tracer;
  readonly parentContext: Context;
  /** Wall clock minus performance clock when the run started (see NodeSpansInput.wallOffsetUs). */
  readonly wallOffsetUs: number;
  /** Performance-clock microseconds at the span's start (node spans are kept inside the run span). */
  readonly startUs: number;
}

export type RunSpanResult =
  | {
      /** The plan nodes of the session that ran (session.planNodes). */
      nodes: readonly PlanNodeInfo[];
      provider: string;
      /** The run's timings (session.lastRunProfile after a run with profile: true). */
      profile?: RunProfile;
      /** Symbolic dim sizes of the run: bindDims(session.inputMetadata, feeds). */
      dims?: ReadonlyMap<string, number>;
    }
  | { error: unknown };

const clockUs = () => (performance.timeOrigin + performance.now()) * 1e3;
const now = (offsetUs: number) => hrTimeOf(clockUs() + offsetUs);

/** Starts the `session.run` span now. Cheap when tracing is off: the API's no-op span. */
export function startRunSpan(tracer: Tracer, options: RunSpanOptions = {}): RunSpan {
  const parentContext = options.parentContext ?? context.active();
  const offsetUs = wallOffsetUs();
  const startUs = clockUs();
  const span = tracer.startSpan(
    RUN_SPAN,
    {
      kind: SpanKind.INTERNAL,
      startTime: hrTimeOf(startUs + offsetUs),
      attributes: options.attributes,
      links: options.links,
    },
    parentContext,
  );
  return { span, recording: span.isRecording(), tracer, parentContext, wallOffsetUs: offsetUs, startUs };
}

/** Ends the `session.run` span now, with the node spans of the profile or the run's error. Never throws. */
export function endRunSpan(run: RunSpan, result: RunSpanResult): void {
  if (!run.recording) return;
  const endUs = clockUs();
  const endTime = hrTimeOf(endUs + run.wallOffsetUs);
  try {
    if ('error' in result) {
      const e = result.error;
      run.span.recordException(e instanceof Error ? e : String(e));
      run.span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
    } else {
      run.span.setAttribute('onnxfleet.provider', result.provider);
      if (result.profile) {
        const count = emitNodeSpans(run.tracer, trace.setSpan(run.parentContext, run.span), {
          nodes: result.nodes,
          profile: result.profile,
          provider: result.provider,
          dims: result.dims,
          wallOffsetUs: run.wallOffsetUs,
          withinUs: [run.startUs + run.wallOffsetUs, endUs + run.wallOffsetUs],
        });
        run.span.setAttribute('onnxfleet.nodes_executed', count);
      }
    }
  } catch (e) {
    reportTelemetryError('node spans', e); // a tracing bug must not fail the request
  }
  run.span.end(endTime);
}

export interface TracedRunOptions extends RunSpanOptions {
  tracer: Tracer;
  /** Outputs to fetch (default all), as session.run takes them. */
  fetches?: readonly string[];
  runOptions?: RunOptions;
}

/** Runs the session like session.run; when the `session.run` span is sampled, adds per-node child spans. */
export async function tracedRun(
  session: InferenceSession,
  feeds: Record<string, FeedValue>,
  options: TracedRunOptions,
): Promise<Record<string, FetchValue>> {
  const run = startRunSpan(options.tracer, options);
  if (!run.recording) return runSession(session, feeds, options.fetches, options.runOptions);
  const before = session.lastRunProfile;
  let outputs: Record<string, FetchValue>;
  try {
    outputs = await runSession(session, feeds, options.fetches, { ...options.runOptions, profile: true });
  } catch (e) {
    endRunSpan(run, { error: e });
    throw e;
  }
  // session.run sets lastRunProfile just before it returns: it is this run's unless none was recorded.
  const profile = session.lastRunProfile !== before ? session.lastRunProfile : undefined;
  const dims = bindDims(session.inputMetadata, feeds);
  endRunSpan(run, { nodes: session.planNodes, provider: session.provider, profile, dims });
  return outputs;
}

function runSession(
  session: InferenceSession,
  feeds: Record<string, FeedValue>,
  fetches: readonly string[] | undefined,
  runOptions: RunOptions | undefined,
) {
  return fetches ? session.run(feeds, fetches, runOptions) : session.run(feeds, runOptions);
}
