// tracedRun in one process, against an in-memory exporter: node spans only when the run's span is sampled,
// with explicit times inside session.run, static shapes bound to the feeds' dims, errors and links recorded.
import { context, ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  AlwaysOnSampler,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import test from 'ava';
import {
  buildDemoClassifier,
  InferenceSession,
  type PlanNodeInfo,
  type RunProfile,
  Tensor,
} from '../../engine/index.js';
import { ATTR, bindDims, endRunSpan, RUN_SPAN, startRunSpan, tracedRun } from '../../observability/index.js';
import { tsWorker } from '../helpers/ts-worker.js';

const hrNs = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

function tracing(sampler: Sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() })) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('test') };
}

async function demo() {
  const session = await InferenceSession.create(buildDemoClassifier().toBytes(), { intraOpNumThreads: 1 });
  const images = (batch: number) =>
    new Tensor('float32', new Float32Array(batch * 3 * 32 * 32).fill(0.5), [batch, 3, 32, 32]);
  return { session, images };
}

test('with no SDK installed tracedRun is a plain run: no node timings, same outputs', async (t) => {
  const { session, images } = await demo();
  const out = await tracedRun(session, { images: images(2) }, { tracer: trace.getTracer('none') });
  t.is(session.lastRunProfile, undefined, 'no per-node timing was asked of native code');
  const plain = await session.run({ images: images(2) });
  t.deepEqual((out.probabilities as Tensor).data, (plain.probabilities as Tensor).data);
});

test('an unsampled parent means no node timings and no spans', async (t) => {
  const { session, images } = await demo();
  const { exporter, tracer } = tracing();
  const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });
  await tracedRun(session, { images: images(1) }, { tracer, parentContext: unsampled });
  t.is(session.lastRunProfile, undefined);
  t.is(exporter.getFinishedSpans().length, 0);
  const off = tracing(new AlwaysOffSampler());
  await tracedRun(session, { images: images(1) }, { tracer: off.tracer });
  t.is(session.lastRunProfile, undefined);
});

test('a sampled run gets one child span per plan node, inside session.run, with bound shapes', async (t) => {
  const { session, images } = await demo();
  const { exporter, tracer } = tracing();
  const request = tracer.startSpan('request');
  const link = { context: request.spanContext(), attributes: { 'onnxfleet.request': 'r1' } };
  await tracedRun(
    session,
    { images: images(3) },
    {
      tracer,
      parentContext: trace.setSpan(context.active(), request),
      attributes: { 'onnxfleet.model': 'demo' },
      links: [link],
    },
  );
  request.end();
  const spans = exporter.getFinishedSpans();
  const run = spans.find((s) => s.name === RUN_SPAN)!;
  t.is(run.parentSpanContext?.spanId, request.spanContext().spanId);
  t.is(run.attributes['onnxfleet.model'], 'demo');
  t.is(run.links.length, 1);
  const nodes: ReadableSpan[] = spans.filter((s) => s.parentSpanContext?.spanId === run.spanContext().spanId);
  t.deepEqual(
    nodes.map((s) => s.name),
    session.planNodes.map((n) => n.opType),
  );
  const [runStart, runEnd] = [hrNs(run.startTime), hrNs(run.endTime)];
  let previousEnd = runStart;
  nodes.forEach((s, i) => {
    const [start, end] = [hrNs(s.startTime), hrNs(s.endTime)];
    t.true(start >= previousEnd && end >= start && end <= runEnd, `node ${i} in order inside the run`);
    previousEnd = end;
    t.is(s.attributes[ATTR.index], i);
    t.is(s.attributes[ATTR.shapeSource], 'static');
  });
  const first = nodes[0].attributes[ATTR.inputShapes] as string[];
  t.deepEqual(first, ['[3,3,32,32]'], "the symbolic 'batch' dim is bound from the feed");
  // The node timings sum to less than the run: spans carry the native times, not the JS bookkeeping.
  const nodeNs = nodes.reduce((a, s) => a + hrNs(s.endTime) - hrNs(s.startTime), 0n);
  t.true(nodeNs > 0n && nodeNs <= runEnd - runStart);
});

test('a failing run ends session.run with an error status and rethrows', async (t) => {
  const { session } = await demo();
  const { exporter, tracer } = tracing();
  const wrong = new Tensor('float32', new Float32Array(4), [1, 4]);
  await t.throwsAsync(tracedRun(session, { images: wrong }, { tracer }), { instanceOf: RangeError });
  const [run] = exporter.getFinishedSpans();
  t.is(run.name, RUN_SPAN);
  t.is(run.status.code, SpanStatusCode.ERROR);
  t.is(run.events[0]?.name, 'exception');
});

test('split across threads: the span starts and ends here, the session runs in a worker thread', async (t) => {
  const { exporter, tracer } = tracing();
  const worker = tsWorker(new URL('./fixtures/run-in-thread.ts', import.meta.url));
  t.teardown(() => worker.terminate());
  const replies: unknown[] = [];
  let wake: (() => void) | undefined;
  worker.on('message', (m) => {
    replies.push(m);
    wake?.();
  });
  const next = () =>
    new Promise<Record<string, never>>((resolve) => {
      const take = () => resolve(replies.shift() as Record<string, never>);
      if (replies.length) take();
      else wake = take;
    });
  t.is(await next(), 'ready' as never);

  const run = startRunSpan(tracer, { attributes: { 'onnxfleet.model': 'demo' } });
  t.true(run.recording);
  worker.postMessage({ profile: run.recording, batch: 2 });
  const reply = (await next()) as unknown as {
    dims: number[];
    profile: RunProfile;
    nodes: PlanNodeInfo[];
    provider: string;
    inputMetadata: { name: string; shape?: (number | string | null)[] }[];
  };
  t.deepEqual(reply.dims, [2, 10]);
  const dims = bindDims(reply.inputMetadata, { images: { dims: [2, 3, 32, 32] } });
  endRunSpan(run, { nodes: reply.nodes, provider: reply.provider, profile: reply.profile, dims });

  const spans = exporter.getFinishedSpans();
  const runSpan = spans.find((s) => s.name === RUN_SPAN)!;
  const nodes = spans.filter((s) => s.parentSpanContext?.spanId === runSpan.spanContext().spanId);
  t.deepEqual(
    nodes.map((s) => s.name),
    reply.nodes.map((n) => n.opType),
  );
  // The thread's performance clock and this one's agree: its node times fall inside this thread's span.
  const [start, end] = [hrNs(runSpan.startTime), hrNs(runSpan.endTime)];
  for (const s of nodes) t.true(hrNs(s.startTime) >= start && hrNs(s.endTime) <= end, s.name);

  const unsampled = startRunSpan(trace.getTracer('none'));
  t.false(unsampled.recording);
  endRunSpan(unsampled, { nodes: reply.nodes, provider: 'cpu' });
});
