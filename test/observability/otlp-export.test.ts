// Node spans end to end: a child process (an entry point calling setupTelemetry) runs a model under a request
// span with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a real OTLP/HTTP receiver in this test, which decodes
// what arrives (protobuf by default, JSON when asked) and checks the trace against the session's plan.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import type { PlanNodeInfo } from '../../engine/index.js';
import { findModel, modelsUnavailable } from '../helpers/models.js';
import { type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface ChildReport {
  tracing: boolean;
  traceId: string;
  rootSpanId: string;
  planNodes: PlanNodeInfo[];
  outputs: number;
  telemetryErrors: number;
  /** Telemetry errors counted by the time the process exited (after every export settled). */
  telemetryErrorsAtExit: number;
}

/** Runs the traced child with OTEL_* variables; resolves with its report and stderr. */
function runChild(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; report?: ChildReport; stderr: string }>((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'test/observability/fixtures/traced-child.ts', ...args],
      { cwd: repoRoot, env: { ...clean, ONNXFLEET_METRICS_PORT: '', ...env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        let report: ChildReport | undefined;
        try {
          const [main, atExit] = stdout.trim().split('\n').slice(-2);
          report = { ...(JSON.parse(main) as ChildReport), ...(JSON.parse(atExit) as object) };
        } catch {
          report = undefined;
        }
        resolve({ code: child.exitCode ?? (error ? 1 : 0), report, stderr });
      },
    );
  });
}

/** The checks of issue 7 on one traced run: one trace, session.run under the request, one span per node. */
function checkTrace(t: ExecutionContext, spans: ReceivedSpan[], report: ChildReport, runs: number) {
  const nodes = report.planNodes;
  t.true(spans.length > 0, 'spans arrived');
  t.deepEqual([...new Set(spans.map((s) => s.traceId))], [report.traceId], 'one trace id');
  t.is(spans[0].resource['service.name'], 'onnxfleet-test-child');
  const root = spans.find((s) => s.spanId === report.rootSpanId);
  t.truthy(root, 'the request span arrived');
  const runSpans = spans.filter((s) => s.name === 'session.run');
  t.is(runSpans.length, runs);
  for (const run of runSpans) {
    t.is(run.parentSpanId, report.rootSpanId, 'session.run is a child of the request span');
    t.is(run.attributes['onnxfleet.nodes_executed'], nodes.length);
    const children = spans
      .filter((s) => s.parentSpanId === run.spanId)
      .sort((a, b) => Number(a.attributes['onnx.node.index']) - Number(b.attributes['onnx.node.index']));
    t.is(children.length, nodes.length, 'exactly one span per executed plan node');
    t.deepEqual(
      children.map((s) => [s.attributes['onnx.node.index'], s.name, s.attributes['onnx.node.name']]),
      nodes.map((n, i) => [i, n.opType, n.name]),
      'span names are the op types of the plan nodes, in plan order',
    );
    children.forEach((s, i) => {
      const n = nodes[i];
      t.is(s.attributes['onnx.node.op_type'], n.opType);
      t.is(s.attributes['onnx.node.domain'], n.domain || 'ai.onnx');
      t.is(s.attributes['onnxfleet.provider'], 'cpu');
      t.deepEqual(
        s.attributes['onnx.node.output_names'],
        n.outputs.map((o) => o.name),
      );
      t.deepEqual(
        s.attributes['onnx.node.output_types'],
        n.outputs.map((o) => o.type ?? '?'),
      );
      t.is((s.attributes['onnx.node.input_shapes'] as string[]).length, n.inputs.length);
      t.deepEqual(s.attributes['onnx.node.fused_from'], n.fusedFrom);
      t.true(s.startNs >= run.startNs && s.endNs <= run.endNs, `node ${n.name} lies inside session.run`);
      t.true(s.endNs >= s.startNs);
      if (i) t.true(s.startNs >= children[i - 1].endNs, 'nodes run one after another');
    });
  }
  const fused = nodes.filter((n) => n.fusedFrom && n.fusedFrom.length > 1);
  t.true(fused.length > 0, 'the optimized plan has fused nodes');
  return fused;
}

test('a traced run of the demo model arrives over OTLP/HTTP protobuf: one span per plan node', async (t) => {
  const receiver = await startOtlpReceiver();
  try {
    const { code, report, stderr } = await runChild(['demo', '2'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    });
    t.is(code, 0, stderr);
    t.truthy(report, stderr);
    t.true(report!.tracing);
    t.is(report!.outputs, 2);
    t.is(report!.telemetryErrors, 0, stderr);
    t.deepEqual(receiver.errors, []);
    t.true(receiver.spans.every((s) => s.encoding === 'protobuf'));
    const fused = checkTrace(t, receiver.spans, report!, 2);
    // The demo's Conv+Relu pairs become fused convolutions that name both originals.
    t.deepEqual(
      fused.map((n) => n.fusedFrom),
      [
        ['conv1', 'relu1'],
        ['conv2', 'relu2'],
      ],
    );
    const conv = receiver.spans.find((s) => s.attributes['onnx.node.name'] === 'conv1')!;
    t.deepEqual(conv.attributes['onnx.node.fused_from'], ['conv1', 'relu1']);
    t.is((conv.attributes['onnx.node.output_shapes'] as string[]).length, 1);
    t.regex(
      (conv.attributes['onnx.node.output_shapes'] as string[])[0],
      /^\[2,/,
      'batch dim bound from the feed',
    );
  } finally {
    await receiver.close();
  }
});

const noModels = modelsUnavailable();
const resnet = noModels ? test.skip : test;
if (noModels) console.log(`resnet18 OTLP test skipped: ${noModels}`);

resnet('a traced resnet18 run arrives over OTLP/HTTP JSON with fused-node provenance', async (t) => {
  const receiver = await startOtlpReceiver();
  try {
    const { code, report, stderr } = await runChild([findModel('resnet18').path, '1'], {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    t.is(code, 0, stderr);
    t.truthy(report, stderr);
    t.deepEqual(receiver.errors, []);
    t.true(receiver.spans.every((s) => s.encoding === 'json'));
    const fused = checkTrace(t, receiver.spans, report!, 1);
    // BatchNormalization folds into its Conv, and the Relu (and residual Add) join them.
    t.true(
      fused.some((n) => n.fusedFrom!.length >= 3),
      JSON.stringify(fused.map((n) => n.fusedFrom)),
    );
    t.true(
      receiver.spans.some((s) => (s.attributes['onnx.node.fused_from'] as string[] | undefined)?.length),
    );
  } finally {
    await receiver.close();
  }
});

test('a collector that rejects every export fails no request, and the failure is logged once', async (t) => {
  const receiver = await startOtlpReceiver({ rejectWith: 400 });
  try {
    const { code, report, stderr } = await runChild(['demo', '4'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4', // an export every few spans, each one refused
    });
    t.is(code, 0, stderr);
    t.is(report?.outputs, 4, 'every run returned its outputs');
    t.true(report!.telemetryErrorsAtExit > 1, `several exports failed (${report?.telemetryErrorsAtExit})`);
    t.is(stderr.match(/onnxfleet telemetry: .* failed/g)?.length, 1, stderr);
  } finally {
    await receiver.close();
  }
});

test('an unreachable collector fails no request', async (t) => {
  const receiver = await startOtlpReceiver();
  const endpoint = receiver.endpoint;
  await receiver.close(); // nothing listens there now
  const { code, report, stderr } = await runChild(['demo', '2'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_TIMEOUT: '500', // retries give up after 0.5 s
  });
  t.is(code, 0, stderr);
  t.is(report?.outputs, 2, 'every run returned its outputs');
  t.true((stderr.match(/onnxfleet telemetry: .* failed/g)?.length ?? 0) <= 1, stderr);
});

test('with no OTEL_* configuration the child installs nothing and records no node timings', async (t) => {
  const { code, report, stderr } = await runChild(['demo', '1'], {});
  t.is(code, 0, stderr);
  t.false(report!.tracing);
  t.is(report!.outputs, 1);
  t.is(stderr, '');
});
