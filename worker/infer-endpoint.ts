// Online inference: the service endpoint on <prefix>.infer.<model> (queue group of the workers hosting it).
import { SpanKind } from '@opentelemetry/api';
import type { ServiceMsg } from '@nats-io/services';
import type { Tensor } from '../engine/tensor.js';
import { discardBlob, incoming, outgoing } from '../client/large-messages.js';
import {
  asFleetError,
  BadInputError,
  BadMessageError,
  DeadlineExceededError,
  errorToWire,
  inferRequestCodec,
  inferResponseCodec,
  ModelNotFoundError,
  serviceStatus,
  tensorFromWire,
  tensorToWire,
  type FleetError,
  type WireTensor,
} from '../protocol/index.js';
import type { WorkerContext } from './context.js';
import type { HostedModel } from './hosted-model.js';
import { RequestSpan } from './request-span.js';

export function inferHandler(ctx: WorkerContext, model: HostedModel) {
  return (err: Error | null, msg: ServiceMsg): void => {
    if (err) {
      ctx.log.error({ err, model: model.name }, 'infer endpoint failed');
      return;
    }
    const p = serveInfer(ctx, model, msg);
    ctx.inflight.add(p);
    void p.finally(() => ctx.inflight.delete(p));
  };
}

/** Wire tensors to engine tensors, with errors naming the input and model. */
export function feedsFromWire(inputs: WireTensor[], model: string): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const t of inputs) {
    if (t.name in feeds)
      throw new BadInputError(`input '${t.name}' of model '${model}' is given twice`, { model });
    feeds[t.name] = tensorFromWire(t, `input '${t.name}' of model '${model}'`, true);
  }
  return feeds;
}

/** Checks requested output names against the model. */
export function checkOutputs(model: HostedModel, outputs: string[]): string[] {
  for (const o of outputs) {
    if (!model.session.outputNames.includes(o)) {
      throw new BadInputError(
        `model '${model.name}' has no output '${o}'; its outputs are: ${model.session.outputNames.join(', ')}`,
        { model: model.name },
      );
    }
  }
  return outputs;
}

async function serveInfer(ctx: WorkerContext, model: HostedModel, msg: ServiceMsg): Promise<void> {
  const received = Date.now();
  let requestId = '';
  const request = new RequestSpan(
    'infer',
    SpanKind.SERVER,
    msg.headers,
    {
      'onnxfleet.model': model.name,
      'onnxfleet.model.version': model.ref.version,
      'onnxfleet.worker_id': ctx.workerId,
      'messaging.system': 'nats',
      'messaging.destination.name': msg.subject,
    },
    model.name,
  );
  try {
    // No draining check here: while the service stops, its subscriptions hand over what NATS already
    // delivered to this worker, and that work is ours to answer.
    const { bytes, blob } = await incoming(ctx.conn, msg, `infer request for model '${model.name}'`);
    void discardBlob(ctx.conn, blob);
    const req = inferRequestCodec.decode(bytes);
    requestId = req.requestId ?? '';
    request.span.setAttribute('onnxfleet.request_id', requestId);
    if (req.model !== model.name) {
      throw new BadMessageError(
        `request names model '${req.model}' but was sent to the subject of '${model.name}'`,
      );
    }
    if (req.modelVersion && req.modelVersion !== model.ref.version) {
      throw new ModelNotFoundError(
        `model '${model.name}' version '${req.modelVersion}' is not served here (this worker has version '${model.ref.version}')`,
        { model: model.name },
      );
    }
    if (req.deadlineUnixMs && received > req.deadlineUnixMs) {
      throw new DeadlineExceededError(
        `request for model '${model.name}' arrived ${received - req.deadlineUnixMs} ms after its deadline`,
        {
          model: model.name,
        },
      );
    }
    const feeds = feedsFromWire(req.inputs, model.name);
    model.validate(feeds);
    const outputs = checkOutputs(model, req.outputs ?? []);
    const r = await ctx.scheduler.submit(model, feeds, outputs, req.deadlineUnixMs ?? 0, {
      context: request.context,
    });
    model.requests++;
    await respondOutputs(ctx, msg, model.name, requestId, r.outputs, r);
    request.ok();
  } catch (e) {
    model.errors++;
    const fe = asFleetError(e, { model: model.name, workerId: ctx.workerId });
    request.fail(fe, fe.code);
    if (fe.code === 'INTERNAL') ctx.log.error({ err: e, model: model.name }, 'infer failed');
    respondFailure(ctx, msg, fe, requestId);
  }
}

/**
 * Answers a request with a typed error: the InferResponse carries the code and full message, and the service
 * API's error headers carry an HTTP-like status so $SRV.STATS counts errors by kind.
 */
export function respondFailure(ctx: WorkerContext, msg: ServiceMsg, fe: FleetError, requestId: string): void {
  const body = inferResponseCodec.encode({
    outputs: [],
    error: errorToWire(fe),
    workerId: ctx.workerId,
    requestId,
  });
  // Header values cannot hold newlines; the full message is in the body.
  msg.respondError(serviceStatus(fe.code), fe.message.replace(/\s+/g, ' ').slice(0, 200), body);
}

/** Answers a request with its outputs (through the Object Store when they exceed max_payload). */
export async function respondOutputs(
  ctx: WorkerContext,
  msg: ServiceMsg,
  model: string,
  requestId: string,
  outputs: Record<string, Tensor>,
  stats: { queueMs: number; runMs: number; batchSize: number },
): Promise<void> {
  const body = inferResponseCodec.encode({
    outputs: Object.entries(outputs).map(([name, t]) => tensorToWire(name, t)),
    workerId: ctx.workerId,
    requestId,
    queueMs: stats.queueMs,
    runMs: stats.runMs,
    batchSize: stats.batchSize,
  });
  const out = await outgoing(ctx.conn, body, `response of model '${model}'`);
  msg.respond(out.data, out.headers ? { headers: out.headers } : undefined);
}
