// A pipeline stage of a split model. Stage 0 listens on <prefix>.infer.<model> (clients address the model as if
// it were whole), stage k>0 on <prefix>.stage.<model>.<k>. Each stage runs its piece, then sends the tensors
// later stages need to the next stage as a request and relays the answer back, so a missing or slow next stage
// becomes a typed error for the caller (UNAVAILABLE, DEADLINE_EXCEEDED) rather than a lost request. Stages
// hold no thread while they wait, so several requests are in flight along the pipeline at once.
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import type { ServiceMsg } from '@nats-io/services';
import { type Context, SpanKind } from '@opentelemetry/api';
import type { Tensor } from '../engine/tensor.js';
import { isNoResponders, isTimeout } from '../client/nats-errors.js';
import { discardBlob, incoming, outgoing } from '../client/large-messages.js';
import {
  asFleetError,
  BadInputError,
  BadMessageError,
  DeadlineExceededError,
  UnavailableError,
  inferRequestCodec,
  InternalError,
  tensorToWire,
  HEADERS,
} from '../protocol/index.js';
import type { WorkerContext } from './context.js';
import type { HostedModel } from './hosted-model.js';
import { feedsFromWire, respondFailure, respondOutputs } from './infer-endpoint.js';

import { RequestSpan } from './request-span.js';
import { injectContext } from '../observability/index.js';
import type { StageRole } from './units.js';

/** How long a stage waits for the rest of the pipeline when the request has no deadline. */
const NEXT_STAGE_TIMEOUT_MS = 60_000;

export function stageHandler(ctx: WorkerContext, model: HostedModel, role: StageRole) {
  return (err: Error | null, msg: ServiceMsg): void => {
    if (err) {
      ctx.log.error({ err, model: role.model, stage: role.index }, 'stage endpoint failed');
      return;
    }
    const p = serveStage(ctx, model, role, msg);
    ctx.inflight.add(p);
    void p.finally(() => ctx.inflight.delete(p));
  };
}

/**
 * The trace context for the next stage: this stage's span (so the next stage's spans are its children), or,
 * when no propagator is installed (this process does not trace), the incoming context unchanged.
 */
function traceHeaders(msg: ServiceMsg, stage: Context): MsgHdrs | undefined {
  const own = natsHeaders();
  if (injectContext(stage, own)) return own;
  const parent = msg.headers?.get(HEADERS.traceparent);
  if (!parent) return undefined;
  const h = natsHeaders();
  h.set(HEADERS.traceparent, parent);
  const state = msg.headers?.get(HEADERS.tracestate);
  if (state) h.set(HEADERS.tracestate, state);
  return h;
}

function pick(all: Record<string, Tensor>, names: readonly string[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const n of names) if (all[n]) out[n] = all[n];
  return out;
}

async function serveStage(
  ctx: WorkerContext,
  model: HostedModel,
  role: StageRole,
  msg: ServiceMsg,
): Promise<void> {
  const what = `stage ${role.index + 1}/${role.count} of model '${role.model}'`;
  let requestId = '';
  const request = new RequestSpan(
    'infer',
    SpanKind.SERVER,
    msg.headers,
    {
      'onnxfleet.model': role.model,
      'onnxfleet.model.version': model.ref.version,
      'onnxfleet.stage.index': role.index,
      'onnxfleet.stage.count': role.count,
      'onnxfleet.stage.model': model.name,
      'onnxfleet.worker_id': ctx.workerId,
      'messaging.system': 'nats',
      'messaging.destination.name': msg.subject,
    },
    model.name,
  );
  try {
    // No draining check here: while the service stops, its subscriptions hand over what NATS already
    // delivered to this worker, and that work is ours to answer.
    const { bytes, blob } = await incoming(ctx.conn, msg, `request for ${what}`);
    void discardBlob(ctx.conn, blob);
    const req = inferRequestCodec.decode(bytes);
    requestId = req.requestId ?? '';
    request.span.setAttribute('onnxfleet.request_id', requestId);
    if (req.model !== role.model)
      throw new BadMessageError(`request names model '${req.model}' but reached ${what}`);
    if (req.deadlineUnixMs && Date.now() > req.deadlineUnixMs) {
      throw new DeadlineExceededError(`request expired before ${what}`, { model: role.model });
    }
    const all = feedsFromWire(req.inputs, role.model);
    const feeds = pick(all, role.inputs);
    if (role.index === 0) {
      const unknown = Object.keys(all).filter((n) => !role.inputs.includes(n) && !role.forward.includes(n));
      if (unknown.length)
        throw new BadInputError(`model '${role.model}' has no input '${unknown[0]}'`, { model: role.model });
    }
    model.validate(feeds);
    const wanted = req.outputs?.length ? req.outputs : role.graphOutputs;
    for (const o of wanted) {
      if (!role.graphOutputs.includes(o)) {
        throw new BadInputError(
          `model '${role.model}' has no output '${o}'; its outputs are: ${role.graphOutputs.join(', ')}`,
          {
            model: role.model,
          },
        );
      }
    }
    const r = await ctx.scheduler.submit(model, feeds, [], req.deadlineUnixMs ?? 0, {
      context: request.context,
    });
    model.requests++;
    const merged = { ...all, ...r.outputs };
    if (role.index === role.count - 1) {
      const missing = wanted.filter((o) => !merged[o]);
      if (missing.length)
        throw new InternalError(`${what} did not receive or produce output '${missing[0]}'`, {
          model: role.model,
        });
      await respondOutputs(ctx, msg, role.model, requestId, pick(merged, wanted), r);
      request.ok();
      return;
    }
    const next = inferRequestCodec.encode({
      model: role.model,
      inputs: role.forward.filter((n) => merged[n]).map((n) => tensorToWire(n, merged[n])),
      outputs: req.outputs,
      deadlineUnixMs: req.deadlineUnixMs,
      requestId,
    });
    const out = await outgoing(
      ctx.conn,
      next,
      `request for stage ${role.index + 2} of model '${role.model}'`,
      traceHeaders(msg, request.context),
    );
    const nextSubject = ctx.conn.names.stage(role.model, role.index + 1);
    const remainingMs = req.deadlineUnixMs
      ? Math.max(1, req.deadlineUnixMs - Date.now())
      : NEXT_STAGE_TIMEOUT_MS;
    let answer;
    try {
      answer = await ctx.conn.nc.request(nextSubject, out.data, {
        timeout: remainingMs,
        ...(out.headers ? { headers: out.headers } : {}),
      });
    } catch (e) {
      void discardBlob(ctx.conn, out.blob);
      if (isNoResponders(e)) {
        throw new UnavailableError(
          `stage ${role.index + 2}/${role.count} of model '${role.model}' has no worker right now`,
          {
            model: role.model,
            cause: e,
          },
        );
      }
      if (isTimeout(e)) {
        throw new DeadlineExceededError(
          `stage ${role.index + 2}/${role.count} of model '${role.model}' did not answer in time`,
          {
            model: role.model,
            cause: e,
          },
        );
      }
      throw e;
    }
    // The answer (outputs or a typed error, possibly an Object Store reference) goes back as it came.
    msg.respond(answer.data, answer.headers ? { headers: answer.headers } : undefined);
    request.ok();
  } catch (e) {
    model.errors++;
    const fe = asFleetError(e, { model: role.model, workerId: ctx.workerId });
    request.fail(fe, fe.code);
    if (fe.code === 'INTERNAL')
      ctx.log.error({ err: e, model: role.model, stage: role.index }, 'stage failed');
    respondFailure(ctx, msg, fe, requestId);
  }
}
