// The partition planner's entry point: model -> K contiguous pipeline stages, each a standalone ONNX model.
// See solve.ts for the objective, sequence.ts for what a cut carries, stage-model.ts for the stage models.
import type { Model, ValueType } from '../../engine/ir/types.js';
import { costOf, type ModelCost } from './cost.js';
import type { DimValues } from './dims.js';
import { PartitionError } from './errors.js';
import { prepareModel } from './prepare.js';
import { buildSequence, crossing, cutTable } from './sequence.js';
import {
  type CutProblem,
  fewestStages,
  smallestBudget,
  solveCuts,
  stageSeconds,
  stageWeight,
} from './solve.js';
import { buildStageModel, encodeStage, stageNodes } from './stage-model.js';

export interface PartitionOptions {
  /** Shown in the plan and in errors. */
  name?: string;
  /** Number of stages, or 'auto' (default): the fewest stages whose weights fit the budgets. */
  stages?: number | 'auto';
  /**
   * Stored weight bytes each stage may hold: one number for every stage, or one per stage (stage k gets
   * budget[k]; with 'auto', at most budget.length stages). Default: unlimited.
   */
  budget?: number | readonly number[];
  /** Folder of the model file, when `model` is bytes with external data; stage models embed the weights. */
  baseDir?: string;
  /** Values of symbolic dims for the cost model; default batch-like 1, sequence-like 128, others 1. */
  dims?: DimValues;
  /** Compute rate of one stage worker, FLOP/s (default 1e11: about one core of oneDNN fp32 matmul). */
  flopsPerSecond?: number;
  /** Memory bandwidth charged for each node's output and weight bytes, bytes/s (default 2e10). */
  memoryBytesPerSecond?: number;
  /**
   * Groups of original node names that must stay in one stage: pass engineFusionGroups(model, workerOptions)
   * so no cut splits an optimizer fusion (then outputs equal the unsplit model's bitwise at that level).
   */
  keepTogether?: readonly (readonly string[])[];
  /** Bandwidth between stages, bytes/s (default 1e9); a cut's bytes cost this on both sides of it. */
  linkBytesPerSecond?: number;
}

export interface CutTensor {
  name: string;
  /** Bytes at the plan's dims. */
  bytes: number;
  type?: ValueType;
}

export interface CutInfo {
  /** Compute position of the cut: stages before it cover positions < position. */
  position: number;
  /** The last node before the cut and the first after it. */
  after: string;
  before: string;
  tensors: CutTensor[];
  bytes: number;
}

export interface StagePlan {
  index: number;
  /** Compute positions [start, end) of the model's compute nodes (constant nodes are copied as needed). */
  start: number;
  end: number;
  /** The stage's nodes in order, copies of constant nodes included. */
  nodeNames: string[];
  inputs: string[];
  /** The next stage's inputs (carried tensors included); for the last stage, the model's outputs. */
  outputs: string[];
  flops: number;
  weightBytes: number;
  /** The budget this stage was held to (Infinity when none was given). */
  budget: number;
  /** Compute time plus the transfer time of its boundaries, at the plan's rates. */
  estimatedSeconds: number;
  inBytes: number;
  outBytes: number;
  /** The stage as an ONNX ModelProto. */
  model: Uint8Array;
  modelBytes: number;
}

export interface PartitionPlan {
  model: string;
  dims: Record<string, number>;
  stages: StagePlan[];
  /** The stageCount - 1 cuts between stages. */
  cuts: CutInfo[];
  /** The largest stage's estimated seconds (the pipeline's period). */
  bottleneckSeconds: number;
  /** Sum of bytes crossing all cuts, per request. */
  crossBytes: number;
  cost: ModelCost;
  rates: { flopsPerSecond: number; memoryBytesPerSecond: number; linkBytesPerSecond: number };
}

function positive(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!(v > 0)) throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}

/**
 * Splits `model` (bytes, or a Model IR, which is normalized in place) into pipeline stages. Throws
 * PartitionError: PARTITION_INFEASIBLE when the budgets cannot be met (with the smallest budget that works),
 * PARTITION_INVALID when the stage count cannot be (more stages than places to cut).
 */
export function partitionModel(model: Model | Uint8Array, options: PartitionOptions = {}): PartitionPlan {
  const rates = {
    flopsPerSecond: positive('flopsPerSecond', options.flopsPerSecond, 1e11),
    memoryBytesPerSecond: positive('memoryBytesPerSecond', options.memoryBytesPerSecond, 2e10),
    linkBytesPerSecond: positive('linkBytesPerSecond', options.linkBytesPerSecond, 1e9),
  };
  const prepared = prepareModel(model, { name: options.name, dims: options.dims, baseDir: options.baseDir });
  const name = prepared.name;
  const seq = buildSequence(prepared);
  const cost = costOf(prepared, seq);
  const cuts = cutTable(seq, options.keepTogether);
  const n = seq.compute.length;

  const prefixSeconds = new Float64Array(n + 1);
  seq.compute.forEach((i, p) => {
    const c = cost.nodes[i];
    const seconds =
      c.flops / rates.flopsPerSecond + (c.outputBytes + c.weightBytes) / rates.memoryBytesPerSecond;
    prefixSeconds[p + 1] = prefixSeconds[p] + seconds;
  });
  const problem: CutProblem = {
    n,
    prefixSeconds,
    cutSeconds: Float64Array.from(cuts.bytes, (b) => b / rates.linkBytesPerSecond),
    cutBytes: cuts.bytes,
    allowed: cuts.allowed,
    support: seq.support,
    storedBytes: seq.storedBytes,
    lastSupport: seq.outputSupport,
  };

  const budgetList =
    options.budget === undefined
      ? [Infinity]
      : typeof options.budget === 'number'
        ? [options.budget]
        : [...options.budget];
  if (!budgetList.length || budgetList.some((b) => !(b >= 0)))
    throw new RangeError(
      `budget must be a non-negative number or a non-empty list of them, got ${String(options.budget)}`,
    );
  const uniform = typeof options.budget !== 'object';
  const places = cuts.allowed.slice(1, n).filter(Boolean).length;
  const shownBudget = uniform ? `${budgetList[0]} bytes per stage` : `[${budgetList.join(', ')}] bytes`;

  let K: number;
  const requested = options.stages ?? 'auto';
  if (requested === 'auto') {
    const k = fewestStages(problem, budgetList, uniform);
    if (k === undefined) {
      const least = smallestBudget(problem, places + 1);
      throw new PartitionError(
        'PARTITION_INFEASIBLE',
        `model '${name}' cannot be split to fit ${shownBudget}` +
          (uniform ? '' : ` (${budgetList.length} stages at most)`) +
          `: the smallest per-stage budget any split fits is ${least} bytes` +
          (uniform
            ? ''
            : `, and with ${budgetList.length} stages ${smallestBudget(problem, budgetList.length)} bytes`),
        { smallestFeasibleBudget: uniform ? least : smallestBudget(problem, budgetList.length) },
      );
    }
    K = k;
  } else {
    K = requested;
    if (!Number.isInteger(K) || K < 1)
      throw new PartitionError(
        'PARTITION_INVALID',
        `model '${name}': stages must be a positive integer or 'auto', got ${K}`,
      );
    if (K - 1 > places)
      throw new PartitionError(
        'PARTITION_INVALID',
        `model '${name}' cannot be split into ${K} stages: it has ${n} compute nodes and only ${places} places ` +
          `to cut (a cut is allowed where every crossing value is a typed tensor and no keep-together group is split)`,
      );
    if (!uniform && budgetList.length !== K)
      throw new RangeError(`model '${name}': ${K} stages need ${K} budgets, got ${budgetList.length}`);
  }
  const budgets = uniform ? new Array<number>(K).fill(budgetList[0]) : budgetList.slice(0, K);
  const solution = solveCuts(problem, budgets);
  if (!solution) {
    const least = smallestBudget(problem, K);
    throw new PartitionError(
      'PARTITION_INFEASIBLE',
      `model '${name}' cannot be split into ${K} stages within ${shownBudget}: ` +
        `the smallest per-stage budget that works for ${K} stages is ${least} bytes`,
      { smallestFeasibleBudget: least },
    );
  }

  const { bounds } = solution;
  const names = (c: number) => crossing(seq, c).map((v) => v.name);
  const stages = budgets.map((budget, k): StagePlan => {
    const [start, end] = [bounds[k], bounds[k + 1]];
    const last = k === K - 1;
    const spec = {
      index: k,
      count: K,
      start,
      end,
      inputs: k === 0 ? seq.inputs : names(start),
      outputs: last ? prepared.model.graph.outputs.map((o) => o.name) : names(end),
    };
    const bytes = encodeStage(buildStageModel(prepared, seq, spec));
    let flops = 0;
    for (let p = start; p < end; p++) flops += cost.nodes[seq.compute[p]].flops;
    return {
      index: k,
      start,
      end,
      nodeNames: stageNodes(seq, spec).map((i) => seq.order[i].name),
      inputs: spec.inputs,
      outputs: spec.outputs,
      flops,
      weightBytes: stageWeight(problem, start, end),
      budget,
      estimatedSeconds: stageSeconds(problem, start, end),
      inBytes: k === 0 ? 0 : cuts.bytes[start],
      outBytes: last ? 0 : cuts.bytes[end],
      model: bytes,
      modelBytes: bytes.byteLength,
    };
  });
  const cutInfos = bounds.slice(1, -1).map((position): CutInfo => ({
    position,
    after: seq.order[seq.compute[position - 1]].name,
    before: seq.order[seq.compute[position]].name,
    tensors: crossing(seq, position).map((v) => ({ name: v.name, bytes: v.bytes ?? 0, type: v.type })),
    bytes: cuts.bytes[position],
  }));
  return {
    model: name,
    dims: prepared.dims,
    stages,
    cuts: cutInfos,
    bottleneckSeconds: solution.bottleneckSeconds,
    crossBytes: solution.crossBytes,
    cost,
    rates,
  };
}
