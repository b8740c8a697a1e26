// Channels-last activations across chains of convolutions. oneDNN's fast float32 convolutions on this CPU
// want NHWC; fed NCHW, every Conv reorders its input and output around the call, which for mobilenet-style
// nets costs as much as the convolutions. This pass rewrites the 4-D float32 Convs (and FusedConvs) into
// com.microsoft NhwcConv / NhwcFusedConv, the pooling ops into their com.ms.internal.nhwc forms, and carries
// the layout through the ops between them that do not care about it (elementwise ops, Concat), so values
// stay [N, H, W, C] from one convolution to the next. A Transpose goes in only where a value crosses into or
// out of the channels-last region (graph inputs and outputs, Flatten, Reshape, anything else).
//
// Ops in the region keep their names; their outputs get new names (the NCHW name is produced again by a
// Transpose where something still needs it). Constant operands of elementwise ops are transposed once
// (rank-aligned to 4-D first, as broadcasting would). Graphs with fewer than two convertible convolutions,
// or with subgraphs, are left alone: one Conv alone gains nothing from swapping oneDNN's reorders for
// Transposes.
import type { Attribute, Model, Node, TensorData, ValueType } from '../../ir/types.js';
import { hasSubgraphs } from '../graph-util.js';
import type { Pass } from '../pass.js';
import { elementCount } from '../tensors.js';
import { attrs, type GraphView, GraphView as View, intAttr, intsAttr, makeNode } from '../view.js';

const NHWC_DOMAIN = 'com.ms.internal.nhwc';
const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

/** Ops applied element by element, whose inputs all broadcast against each other. */
const BROADCASTING = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'PRelu']);
/** Unary elementwise ops (input 0 is the data; Clip's other inputs are scalars and stay as they are). */
const UNARY = new Set([
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'HardSigmoid',
  'HardSwish',
  'Elu',
  'Selu',
  'Softplus',
  'Abs',
  'Neg',
  'Exp',
  'Sqrt',
  'Erf',
  'Clip',
]);
const UNARY_MS = new Set(['QuickGelu', 'Gelu']);
const POOLS = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool']);

const permute = <T>(a: readonly T[], perm: readonly number[]): T[] => perm.map((p) => a[p]);

function isConv(n: Node, view: GraphView): boolean {
  const convOp =
    (n.domain === '' && n.opType === 'Conv') || (n.domain === 'com.microsoft' && n.opType === 'FusedConv');
  if (!convOp || view.elemType(n.inputs[0]) !== 'float32' || view.shape(n.inputs[0])?.length !== 4)
    return false;
  const w = view.constant(n.inputs[1]);
  return !!w && w.type === 'float32' && w.dims.length === 4 && elementCount(w.dims) > 0;
}

function isPool(n: Node, view: GraphView): boolean {
  if (n.domain !== '' || !POOLS.has(n.opType)) return false;
  if (view.elemType(n.inputs[0]) !== 'float32' || view.shape(n.inputs[0])?.length !== 4) return false;
  if (n.opType.startsWith('Global')) return true;
  if (n.outputs.length > 1 && n.outputs[1]) return false; // MaxPool's Indices are NCHW offsets
  return intsAttr(n, 'kernel_shape')?.length === 2 && intAttr(n, 'storage_order', 0) === 0;
}

/** Bytes per element of a plain tensor. */
function elementBytes(t: TensorData): number {
  const n = elementCount(t.dims);
  return n > 0 && !Array.isArray(t.data) ? t.data.byteLength / n : 0;
}

/** `t` rank-aligned to 4-D and transposed to NHWC, as a new constant named `name`. */
function transposeConstant(t: TensorData, name: string): TensorData {
  const dims = [...Array(4 - t.dims.length).fill(1), ...t.dims];
  const out = permute(dims, TO_NHWC);
  const size = elementBytes(t);
  const src = t.data as Uint8Array;
  const data = new Uint8Array(src.byteLength);
  const [, c, h, w] = dims;
  const n = dims[0];
  for (let in0 = 0; in0 < n; in0++)
    for (let ic = 0; ic < c; ic++)
      for (let ih = 0; ih < h; ih++)
        for (let iw = 0; iw < w; iw++) {
          const from = (((in0 * c + ic) * h + ih) * w + iw) * size;
          const to = (((in0 * h + ih) * w + iw) * c + ic) * size;
          data.set(src.subarray(from, from + size), to);
        }
  return { name, type: t.type, dims: out, data };
}

class Rewriter {
  private readonly nhwcOf = new Map<string, string>(); // NCHW name -> its NHWC twin
  private readonly onlyNhwc = new Set<string>(); // values not (yet) present in NCHW
  private readonly constants = new Map<string, string>(); // constant -> its NHWC copy
  readonly out: Node[] = [];

  constructor(
    private readonly model: Model,
    private readonly view: GraphView,
  ) {}

  private setType(name: string, like: string, perm: readonly number[]): void {
    const t = this.view.type(like);
    if (t?.kind !== 'tensor') return;
    const type: ValueType = {
      ...t,
      shape: t.shape && t.shape.length === 4 ? permute(t.shape, perm) : undefined,
    };
    this.model.graph.valueInfo.set(name, { name, type });
  }

  private transpose(from: string, to: string, perm: number[], base: string): void {
    this.out.push(makeNode('Transpose', [from], [to], this.view.fresh(base), { perm: attrs.ints(perm) }));
  }

  /** The NHWC twin of a 4-D value, transposing it now if it has none. */
  nhwc(name: string): string {
    let twin = this.nhwcOf.get(name);
    if (!twin) {
      twin = this.view.fresh(`${name}_nhwc`);
      this.transpose(name, twin, TO_NHWC, `${name}_to_nhwc`);
      this.setType(twin, name, TO_NHWC);
      this.nhwcOf.set(name, twin);
    }
    return twin;
  }

  /** Makes sure `name` exists in NCHW from here on. */
  nchw(name: string): void {
    if (!this.onlyNhwc.delete(name)) return;
    this.transpose(this.nhwcOf.get(name)!, name, TO_NCHW, `${name}_to_nchw`);
  }

  /** Whether `name` is available channels-last without a new Transpose. */
  hasNhwc(name: string): boolean {
    return this.nhwcOf.has(name);
  }

  /** An operand of an elementwise op in NHWC: the twin, a transposed constant, or undefined if neither. */
  operand(name: string): string | undefined {
    if (!name) return name;
    if (this.nhwcOf.has(name)) return this.nhwcOf.get(name);
    const c = this.view.constant(name);
    if (!c || Array.isArray(c.data) || c.dims.length > 4) return undefined;
    if (c.dims.every((d) => d === 1) && c.dims.length <= 4) return name; // broadcasts the same either way
    let copy = this.constants.get(name);
    if (!copy) {
      copy = this.view.fresh(`${name}_nhwc`);
      this.model.graph.initializers.set(copy, transposeConstant(c, copy));
      this.constants.set(name, copy);
    }
    return copy;
  }

  /** Emits `node` rewritten to read `inputs` and write NHWC twins of its outputs. */
  emit(node: Node, opType: string, domain: string, inputs: string[], attributes = node.attributes): void {
    const outputs = node.outputs.map((o) => {
      if (!o) return o;
      const twin = this.view.fresh(`${o}_nhwc`);
      this.setType(twin, o, TO_NHWC);
      this.nhwcOf.set(o, twin);
      this.onlyNhwc.add(o);
      return twin;
    });
    this.out.push({ ...node, opType, domain, inputs, outputs, attributes: new Map(attributes) });
  }

  /** A node that stays as it is: its inputs must exist in NCHW. */
  keep(node: Node): void {
    node.inputs.forEach((i) => i && this.nchw(i));
    this.out.push(node);
  }
}

function convert(node: Node, r: Rewriter, view: GraphView): boolean {
  if (isConv(node, view)) {
    const ins = [...node.inputs];
    ins[0] = r.nhwc(ins[0]);
    if (ins[3]) {
      if (view.shape(node.inputs[3])?.length !== 4) return false;
      ins[3] = r.nhwc(ins[3]);
    }
    const fused = node.opType === 'FusedConv';
    r.emit(node, fused ? 'NhwcFusedConv' : 'NhwcConv', 'com.microsoft', ins);
    return true;
  }
  if (isPool(node, view)) {
    r.emit(node, node.opType, NHWC_DOMAIN, [r.nhwc(node.inputs[0])]);
    return true;
  }
  const unary =
    (node.domain === '' && UNARY.has(node.opType)) ||
    (node.domain === 'com.microsoft' && UNARY_MS.has(node.opType));
  if (unary) {
    if (!r.hasNhwc(node.inputs[0])) return false;
    r.emit(node, node.opType, node.domain, [r.operand(node.inputs[0])!, ...node.inputs.slice(1)]);
    return true;
  }
  const concat = node.domain === '' && node.opType === 'Concat';
  if ((node.domain === '' && BROADCASTING.has(node.opType)) || concat) {
    if (!node.inputs.some((i) => i && r.hasNhwc(i))) return false;
    if (node.outputs.some((o) => view.shape(o)?.length !== 4)) return false;
    if (concat && node.inputs.some((i) => view.shape(i)?.length !== 4)) return false;
    const ins = node.inputs.map((i) => r.operand(i));
    if (ins.some((i) => i === undefined)) return false;
    let attributes: Map<string, Attribute> = node.attributes;
    if (concat) {
      const axis = intAttr(node, 'axis', 1);
      attributes = new Map(node.attributes);
      attributes.set('axis', attrs.int(TO_NHWC.indexOf(axis < 0 ? axis + 4 : axis)));
    }
    r.emit(node, node.opType, node.domain, ins as string[], attributes);
    return true;
  }
  return false;
}

export const nhwcLayout: Pass = {
  name: 'nhwc-layout',
  level: 'all',
  last: true,
  run(model, ctx) {
    const g = model.graph;
    const view = new View(model, ctx);
    if (!view.hasKernel('com.microsoft', 'NhwcConv') || !view.hasKernel('com.microsoft', 'NhwcFusedConv'))
      return false;
    if (g.nodes.some(hasSubgraphs) || g.nodes.filter((n) => isConv(n, view)).length < 2) return false;
    const poolsOk = [...POOLS].every((op) => ctx.hasKernel?.(NHWC_DOMAIN, op, 1));
    const r = new Rewriter(model, view);
    for (const node of g.nodes) {
      if (!poolsOk && node.domain === '' && POOLS.has(node.opType)) r.keep(node);
      else if (!convert(node, r, view)) r.keep(node);
    }
    for (const o of g.outputs) r.nchw(o.name);
    g.nodes = r.out;
    for (const d of ['com.microsoft', NHWC_DOMAIN]) if (!model.opsets.has(d)) model.opsets.set(d, 1);
    return true;
  },
};
