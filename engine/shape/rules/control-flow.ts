// If, Loop and Scan: their subgraphs are walked in the node's scope. An If whose condition is known takes one
// branch (known contents included); otherwise the branches' outputs are merged dim by dim. A Loop's carried
// values keep the dims that its body leaves unchanged.
import type { Dim, Graph } from '../../ir/types.js';
import type { InferContext, ShapeRule, TensorInfo } from '../context.js';
import { normalizeAxis } from '../dims.js';
import { ShapeInferenceError } from '../error.js';

/** What both descriptions agree on: equal dims stay, others become unknown. */
function agree(a: TensorInfo, b: TensorInfo): TensorInfo {
  const elemType = a.elemType ?? b.elemType;
  if (!a.shape || !b.shape || a.shape.length !== b.shape.length) return { elemType };
  return { elemType, shape: a.shape.map((d, i) => (d !== null && d === b.shape![i] ? d : null)) };
}

/** Walks a subgraph that might not run for these inputs: a provable failure there means "unknown". */
function tryWalk(ctx: InferContext, g: Graph, inputs?: TensorInfo[]): TensorInfo[] {
  try {
    return ctx.subgraph(g, inputs);
  } catch (e) {
    if (e instanceof ShapeInferenceError) return [];
    throw e;
  }
}

const ifOp: ShapeRule = (ctx) => {
  const then = ctx.graph('then_branch');
  const otherwise = ctx.graph('else_branch');
  if (!then || !otherwise) return;
  const cond = ctx.value(0)?.values[0];
  if (typeof cond === 'number') {
    return ctx.subgraph(cond ? then : otherwise).forEach((info, k) => ctx.set(k, info));
  }
  const a = tryWalk(ctx, then);
  const b = tryWalk(ctx, otherwise);
  ctx.node.outputs.forEach((_, k) => ctx.set(k, agree(a[k] ?? {}, b[k] ?? {})));
};

const loop: ShapeRule = (ctx) => {
  const body = ctx.graph('body');
  if (!body) return;
  const carried = ctx.node.inputs.slice(2).map((_, k): TensorInfo => {
    const { elemType, shape } = ctx.input(k + 2); // contents change per iteration: drop them
    return { elemType, shape };
  });
  const counters: TensorInfo[] = [
    { elemType: 'int64', shape: [] },
    { elemType: 'bool', shape: [] },
  ];
  // Two passes: dims the first iteration changes are unknown in the second.
  const first = tryWalk(ctx, body, [...counters, ...carried]);
  const general = carried.map((c, k) => agree(c, first[k + 1] ?? {}));
  const second = tryWalk(ctx, body, [...counters, ...general]);
  general.forEach((g, k) => ctx.set(k, agree(g, second[k + 1] ?? {})));
  const m = ctx.value(0)?.values[0];
  const trips = typeof m === 'number' && !ctx.has(1) ? m : null;
  for (let k = carried.length + 1; k < body.outputs.length; k++) {
    const out = second[k] ?? {};
    ctx.set(k - 1, { elemType: out.elemType, shape: out.shape && [trips, ...out.shape] });
  }
};

const scan: ShapeRule = (ctx) => {
  const body = ctx.graph('body');
  const m = ctx.int('num_scan_inputs', 0);
  if (!body || ctx.opset < 9) return; // opset 8's batched form is not inferred
  const n = ctx.node.inputs.length - m;
  const states = ctx.node.inputs.slice(0, n).map((_, k): TensorInfo => {
    const { elemType, shape } = ctx.input(k);
    return { elemType, shape };
  });
  const inAxes = ctx.ints('scan_input_axes') ?? [];
  let length: Dim = null;
  const slices = ctx.node.inputs.slice(n).map((_, j): TensorInfo => {
    const { elemType, shape } = ctx.input(n + j);
    if (!shape) return { elemType };
    const axis =
      normalizeAxis(inAxes[j] ?? 0, shape.length) ?? ctx.fail(`scan_input_axes[${j}] is out of range`);
    if (j === 0) length = shape[axis];
    return { elemType, shape: shape.filter((_, i) => i !== axis) };
  });
  const first = tryWalk(ctx, body, [...states, ...slices]);
  const general = states.map((st, k) => agree(st, first[k] ?? {}));
  const second = tryWalk(ctx, body, [...general, ...slices]);
  general.forEach((g, k) => ctx.set(k, agree(g, second[k] ?? {})));
  const outAxes = ctx.ints('scan_output_axes') ?? [];
  for (let k = n; k < body.outputs.length; k++) {
    const out = second[k] ?? {};
    let shape: Dim[] | undefined;
    if (out.shape) {
      const axis =
        normalizeAxis(outAxes[k - n] ?? 0, out.shape.length + 1) ?? ctx.fail('scan_output_axes out of range');
      shape = [...out.shape.slice(0, axis), length, ...out.shape.slice(axis)];
    }
    ctx.set(k, { elemType: out.elemType, shape });
  }
};

export const controlFlowRules: Record<string, ShapeRule> = { If: ifOp, Loop: loop, Scan: scan };
