// Span attributes of a graph node, built once per (plan, provider, bound dims) and reused by every run.
import type { Attributes } from '@opentelemetry/api';
import type { PlanNodeInfo, PlanValueInfo } from '../engine/index.js';

export const ATTR = {
  name: 'onnx.node.name',
  opType: 'onnx.node.op_type',
  domain: 'onnx.node.domain',
  index: 'onnx.node.index',
  provider: 'onnxfleet.provider',
  inputNames: 'onnx.node.input_names',
  inputTypes: 'onnx.node.input_types',
  inputShapes: 'onnx.node.input_shapes',
  outputNames: 'onnx.node.output_names',
  outputTypes: 'onnx.node.output_types',
  outputShapes: 'onnx.node.output_shapes',
  /** 'static': shapes inferred when the model was loaded, symbolic dims bound from the feeds' dims. */
  shapeSource: 'onnx.node.shape_source',
  fusedFrom: 'onnx.node.fused_from',
} as const;

/** A shape as text: "[1,3,224,224]"; a symbolic dim not bound by the feeds keeps its name, unknown is "?". */
export function formatShape(v: PlanValueInfo, dims?: ReadonlyMap<string, number>): string {
  if (!v.shape) return '?';
  const d = v.shape.map((x) => (x === null ? '?' : typeof x === 'string' ? (dims?.get(x) ?? x) : x));
  return `[${d.join(',')}]`;
}

/** Symbolic dim name -> size, read off feeds whose declared shape names their dims. */
export function bindDims(
  declared: readonly { name: string; shape?: readonly (number | string | null)[] }[],
  feeds: Record<string, unknown>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const input of declared) {
    const dims = (feeds[input.name] as { dims?: readonly number[] } | null | undefined)?.dims;
    if (!dims || !input.shape) continue;
    input.shape.forEach((d, i) => {
      if (typeof d === 'string' && typeof dims[i] === 'number') out.set(d, dims[i]);
    });
  }
  return out;
}

function nodeAttributes(
  n: PlanNodeInfo,
  index: number,
  provider: string,
  dims: ReadonlyMap<string, number>,
): Attributes {
  const a: Attributes = {
    [ATTR.name]: n.name,
    [ATTR.opType]: n.opType,
    [ATTR.domain]: n.domain || 'ai.onnx',
    [ATTR.index]: index,
    [ATTR.provider]: provider,
    [ATTR.inputNames]: n.inputs.map((v) => v.name),
    [ATTR.inputTypes]: n.inputs.map((v) => v.type ?? '?'),
    [ATTR.inputShapes]: n.inputs.map((v) => formatShape(v, dims)),
    [ATTR.outputNames]: n.outputs.map((v) => v.name),
    [ATTR.outputTypes]: n.outputs.map((v) => v.type ?? '?'),
    [ATTR.outputShapes]: n.outputs.map((v) => formatShape(v, dims)),
    [ATTR.shapeSource]: 'static',
  };
  if (n.fusedFrom?.length) a[ATTR.fusedFrom] = [...n.fusedFrom];
  return a;
}

const MAX_VARIANTS = 16;
const cache = new WeakMap<readonly PlanNodeInfo[], Map<string, Attributes[]>>();

/** Attributes of every plan node (by plan index), cached per plan, provider and dim binding. */
export function planAttributes(
  nodes: readonly PlanNodeInfo[],
  provider: string,
  dims: ReadonlyMap<string, number> = new Map(),
): Attributes[] {
  let variants = cache.get(nodes);
  if (!variants) cache.set(nodes, (variants = new Map()));
  const key = `${provider}|${[...dims].map(([k, v]) => `${k}=${v}`).join(',')}`;
  let attrs = variants.get(key);
  if (!attrs) {
    if (variants.size >= MAX_VARIANTS) variants.clear();
    attrs = nodes.map((n, i) => nodeAttributes(n, i, provider, dims));
    variants.set(key, attrs);
  }
  return attrs;
}
