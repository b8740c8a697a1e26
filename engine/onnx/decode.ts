// ONNX protobuf bytes -> Model IR.
import { typeName } from '../dtype.js';
import { ModelLoadError } from '../errors.js';
import {
  type Attribute,
  type Dim,
  type FunctionDef,
  type Graph,
  type Model,
  type Node,
  normalizeDomain,
  type ValueInfo,
  type ValueType,
} from '../ir/types.js';
import { toBigInt, toNumber } from './long.js';
import { messageType } from './schema.js';
import { type TensorDecodeContext, tensorFromProto } from './tensor-proto.js';

export interface DecodeOptions {
  /** Folder of the model file: external data is read from, and confined to, it. */
  baseDir?: string;
  /** Shown in errors, e.g. the file name. */
  source?: string;
}

const utf8 = new TextDecoder('utf-8');

/* eslint-disable @typescript-eslint/no-explicit-any */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Model {
  const what = `model ${options.source ? `'${options.source}'` : '(bytes)'}`;
  if (bytes.byteLength === 0) throw new ModelLoadError(`${what}: the file is empty`);
  let proto: any;
  try {
    proto = messageType('ModelProto').decode(bytes);
  } catch (e) {
    throw new ModelLoadError(
      `${what}: not a valid ONNX protobuf (${(e as Error).message}); is the file truncated?`,
      {
        cause: e,
      },
    );
  }
  if (!proto.graph) throw new ModelLoadError(`${what}: no graph (not an ONNX model?)`);
  const ctx: TensorDecodeContext = { baseDir: options.baseDir, what };
  const opsets = new Map<string, number>();
  for (const o of proto.opset_import ?? [])
    opsets.set(normalizeDomain(o.domain), toNumber(o.version, 'opset version'));
  if (!opsets.has('') && opsets.size === 0) opsets.set('', 1);
  const metadata = new Map<string, string>(
    (proto.metadata_props ?? []).map((e: any) => [e.key ?? '', e.value ?? '']),
  );
  return {
    irVersion: toNumber(proto.ir_version ?? 0, 'ir_version'),
    producerName: proto.producer_name ?? '',
    producerVersion: proto.producer_version ?? '',
    opsets,
    graph: decodeGraph(proto.graph, ctx),
    functions: (proto.functions ?? []).map((f: any) => decodeFunction(f, ctx)),
    metadata,
  };
}

export function decodeGraph(g: any, ctx: TensorDecodeContext): Graph {
  const initializers = new Map();
  for (const t of g.initializer ?? []) initializers.set(t.name ?? '', tensorFromProto(t, ctx));
  for (const s of g.sparse_initializer ?? []) {
    const dense = densify(s, ctx);
    initializers.set(dense.name, dense);
  }
  const valueInfo = new Map<string, ValueInfo>();
  for (const v of g.value_info ?? []) valueInfo.set(v.name ?? '', decodeValueInfo(v));
  return {
    name: g.name ?? '',
    nodes: (g.node ?? []).map((n: any, i: number) => decodeNode(n, i, ctx)),
    inputs: (g.input ?? []).map(decodeValueInfo),
    outputs: (g.output ?? []).map(decodeValueInfo),
    initializers,
    valueInfo,
  };
}

function decodeNode(n: any, index: number, ctx: TensorDecodeContext): Node {
  const opType: string = n.op_type ?? '';
  if (!opType) throw new ModelLoadError(`${ctx.what}: node #${index} has no op_type`);
  const attributes = new Map<string, Attribute>();
  for (const a of n.attribute ?? []) attributes.set(a.name ?? '', decodeAttribute(a, ctx));
  return {
    name: n.name || `${opType}_${index}`,
    opType,
    domain: normalizeDomain(n.domain),
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes,
  };
}

function decodeAttribute(a: any, ctx: TensorDecodeContext): Attribute {
  if (a.ref_attr_name) return { type: 'ref', value: a.ref_attr_name };
  const sub = { ...ctx, what: `${ctx.what}: attribute '${a.name}'` };
  switch (a.type || inferAttributeType(a)) {
    case 1:
      return { type: 'f', value: a.f ?? 0 };
    case 2:
      return { type: 'i', value: toBigInt(a.i ?? 0) };
    case 3:
      return { type: 's', value: utf8.decode(a.s ?? new Uint8Array()) };
    case 4:
      return { type: 't', value: tensorFromProto(a.t, sub) };
    case 5:
      return { type: 'g', value: decodeGraph(a.g, sub) };
    case 6:
      return { type: 'fs', value: [...(a.floats ?? [])] };
    case 7:
      return { type: 'is', value: (a.ints ?? []).map((v: unknown) => toBigInt(v)) };
    case 8:
      return { type: 'ss', value: (a.strings ?? []).map((s: Uint8Array) => utf8.decode(s)) };
    case 9:
      return { type: 'ts', value: (a.tensors ?? []).map((t: any) => tensorFromProto(t, sub)) };
    case 10:
      return { type: 'gs', value: (a.graphs ?? []).map((g: any) => decodeGraph(g, sub)) };
    case 11:
      return { type: 't', value: densify(a.sparse_tensor, sub) };
    case 13:
      return { type: 'tp', value: decodeType(a.tp) ?? { kind: 'tensor', elemType: 'float32' } };
    default:
      throw new ModelLoadError(`${ctx.what}: attribute '${a.name}' has unsupported type ${a.type}`);
  }
}

// Old models omit AttributeProto.type; infer it from the populated field.
function inferAttributeType(a: any): number {
  if (a.t) return 4;
  if (a.g) return 5;
  if (a.floats?.length) return 6;
  if (a.ints?.length) return 7;
  if (a.strings?.length) return 8;
  if (a.tensors?.length) return 9;
  if (a.graphs?.length) return 10;
  if (a.s?.length) return 3;
  if (a.f !== undefined && a.f !== 0) return 1;
  return 2;
}

function decodeValueInfo(v: any): ValueInfo {
  return { name: v.name ?? '', type: decodeType(v.type) };
}

function decodeShape(s: any): Dim[] | undefined {
  if (!s) return undefined;
  return (s.dim ?? []).map((d: any): Dim => {
    // protobufjs exposes the oneof's populated member name as `value`; unset members read as defaults.
    if (d.value === 'dim_value') return toNumber(d.dim_value, 'dim_value');
    if (d.value === 'dim_param') return d.dim_param;
    return null;
  });
}

export function decodeType(t: any): ValueType | undefined {
  if (!t) return undefined;
  if (t.tensor_type) {
    return {
      kind: 'tensor',
      elemType: typeName(t.tensor_type.elem_type || 1),
      shape: decodeShape(t.tensor_type.shape),
    };
  }
  if (t.sequence_type) return { kind: 'sequence', elem: decodeType(t.sequence_type.elem_type) };
  if (t.optional_type) return { kind: 'optional', elem: decodeType(t.optional_type.elem_type) };
  if (t.map_type) {
    return {
      kind: 'map',
      keyType: typeName(t.map_type.key_type || 7),
      value: decodeType(t.map_type.value_type),
    };
  }
  if (t.sparse_tensor_type) {
    return {
      kind: 'sparse_tensor',
      elemType: typeName(t.sparse_tensor_type.elem_type || 1),
      shape: decodeShape(t.sparse_tensor_type.shape),
    };
  }
  return undefined;
}

function decodeFunction(f: any, ctx: TensorDecodeContext): FunctionDef {
  const sub = { ...ctx, what: `${ctx.what}: function '${f.name}'` };
  const opsets = new Map<string, number>();
  for (const o of f.opset_import ?? [])
    opsets.set(normalizeDomain(o.domain), toNumber(o.version, 'opset version'));
  const attributeDefaults = new Map<string, Attribute>();
  for (const a of f.attribute_proto ?? []) attributeDefaults.set(a.name, decodeAttribute(a, sub));
  return {
    name: f.name ?? '',
    domain: normalizeDomain(f.domain),
    inputs: [...(f.input ?? [])],
    outputs: [...(f.output ?? [])],
    attributes: [...(f.attribute ?? []), ...attributeDefaults.keys()],
    attributeDefaults,
    nodes: (f.node ?? []).map((n: any, i: number) => decodeNode(n, i, sub)),
    opsets,
  };
}

// A sparse tensor becomes dense: the engine has no sparse kernels, and sparse constants are small.
function densify(s: any, ctx: TensorDecodeContext) {
  const values = tensorFromProto(s.values, ctx);
  const dims: number[] = (s.dims ?? []).map((d: unknown) => toNumber(d, 'sparse dims'));
  const count = dims.reduce((a, b) => a * b, 1);
  const elem = values.type;
  if (elem === 'string') throw new ModelLoadError(`${ctx.what}: sparse string tensors are not supported`);
  const width =
    (values.data as Uint8Array).byteLength /
    Math.max(
      1,
      values.dims.reduce((a, b) => a * b, 1),
    );
  const out = new Uint8Array(count * width);
  const idx = tensorFromProto(s.indices, ctx);
  const ids = new BigInt64Array(
    (idx.data as Uint8Array).buffer.slice(
      (idx.data as Uint8Array).byteOffset,
      (idx.data as Uint8Array).byteOffset + (idx.data as Uint8Array).byteLength,
    ),
  );
  const nnz = values.dims[0] ?? 0;
  const rank = dims.length;
  const src = values.data as Uint8Array;
  for (let k = 0; k < nnz; k++) {
    let flat = 0;
    if (idx.dims.length === 1) flat = Number(ids[k]);
    else for (let r = 0; r < rank; r++) flat = flat * dims[r] + Number(ids[k * rank + r]);
    if (flat < 0 || flat >= count) throw new ModelLoadError(`${ctx.what}: sparse index ${flat} out of range`);
    out.set(src.subarray(k * width, (k + 1) * width), flat * width);
  }
  return { name: s.values?.name ?? '', type: elem, dims, data: out };
}
