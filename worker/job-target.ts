// What a job consumer runs durable jobs on: a model hosted by this worker, or a split model's pipeline, entered
// through its first stage (the job's result is whatever the last stage answers).
import type { Context } from '@opentelemetry/api';
import { context as otelContext } from '@opentelemetry/api';
import { inferWithInfo } from '../client/infer.js';
import type { Tensor } from '../engine/tensor.js';
import type { WorkerContext } from './context.js';
import type { HostedModel } from './hosted-model.js';
import { checkOutputs } from './infer-endpoint.js';

export interface JobTarget {
  /** The model name jobs are submitted to. */
  name: string;
  version: string;
  /** Where requests and errors are counted. */
  hosted: HostedModel;
  run(feeds: Record<string, Tensor>, outputs: string[], context: Context): Promise<Record<string, Tensor>>;
}

export function wholeModelTarget(ctx: WorkerContext, model: HostedModel): JobTarget {
  return {
    name: model.name,
    version: model.ref.version,
    hosted: model,
    async run(feeds, outputs, context) {
      model.validate(feeds);
      const r = await ctx.scheduler.submit(model, feeds, checkOutputs(model, outputs), 0, { context });
      return r.outputs;
    },
  };
}

/** A job's whole pipeline can take long; the job's lease is kept alive meanwhile. */
const PIPELINE_TIMEOUT_MS = 10 * 60 * 1000;

export function pipelineTarget(
  ctx: WorkerContext,
  model: string,
  version: string,
  firstStage: HostedModel,
): JobTarget {
  return {
    name: model,
    version,
    hosted: firstStage,
    async run(feeds, outputs, context) {
      const r = await otelContext.with(context, () =>
        inferWithInfo(ctx.conn, model, feeds, { timeoutMs: PIPELINE_TIMEOUT_MS, outputs }),
      );
      return r.outputs;
    },
  };
}
