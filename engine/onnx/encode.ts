// Model IR -> ONNX protobuf bytes, the inverse of decode.ts: what `optimizedModelFilePath` writes. Tensors go
// to raw_data (little-endian, as the IR holds them); nodes are written in topological order, as ONNX requires.
import { typeProtoOf } from './encode-type.js';
import { typeCode } from '../dtype.js';
import type { Attribute, FunctionDef, Graph, Model, Node, TensorData, ValueInfo } from '../ir/types.js';
import { freeNames, subgraphsOf, topoOrder } from '../plan/build-plan.js';
import { messageType } from './schema.js';
import { int64Of, irVersionForOpset } from './wire-values.js';

type Proto = Record<string, unknown>;

const utf8 = new TextEncoder();
const ATTRIBUTE_TYPE = { f: 1, i: 2, s: 3, t: 4, g: 5, fs: 6, is: 7, ss: 8, ts: 9, gs: 10, tp: 13 } as const;

function tensorProto(t: TensorData, name = t.name): Proto {
  const proto: Proto = { name, dims: t.dims, data_type: typeCode(t.type) };
  if (Array.isArray(t.data)) proto.string_data = t.data.map((s) => utf8.encode(s));
  else proto.raw_data = t.data;
  return proto;
}

function valueInfoProto(v: ValueInfo): Proto {
  return v.type ? { name: v.name, type: typeProtoOf(v.type) } : { name: v.name };
}

function attributeProto(name: string, a: Attribute): Proto {
  if (a.type === 'ref') return { name, ref_attr_name: a.value };
  const proto: Proto = { name, type: ATTRIBUTE_TYPE[a.type] };
  switch (a.type) {
    case 'f':
      proto.f = a.value;
      break;
    case 'i':
      proto.i = int64Of(a.value);
      break;
    case 's':
      proto.s = utf8.encode(a.value);
      break;
    case 't':
      proto.t = tensorProto(a.value);
      break;
    case 'g':
      proto.g = graphProto(a.value);
      break;
    case 'fs':
      proto.floats = a.value;
      break;
    case 'is':
      proto.ints = a.value.map(int64Of);
      break;
    case 'ss':
      proto.strings = a.value.map((s) => utf8.encode(s));
      break;
    case 'ts':
      proto.tensors = a.value.map((t) => tensorProto(t));
      break;
    case 'gs':
      proto.graphs = a.value.map(graphProto);
      break;
    case 'tp':
      proto.tp = typeProtoOf(a.value);
      break;
  }
  return proto;
}

function nodeProto(n: Node): Proto {
  return {
    name: n.name,
    op_type: n.opType,
    domain: n.domain,
    input: n.inputs,
    output: n.outputs,
    attribute: [...n.attributes].map(([k, a]) => attributeProto(k, a)),
  };
}

function graphProto(g: Graph): Proto {
  const order = topoOrder(g, freeNames(g), { opsets: new Map(), what: `graph '${g.name}'` });
  const produced = new Set(order.flatMap((n) => n.outputs));
  const outputs = new Set(g.outputs.map((o) => o.name));
  // Types of intermediate values that still exist (passes leave entries for values they removed).
  const valueInfo = [...g.valueInfo.values()].filter((v) => produced.has(v.name) && !outputs.has(v.name));
  return {
    name: g.name,
    node: order.map(nodeProto),
    initializer: [...g.initializers].map(([name, t]) => tensorProto(t, name)),
    input: g.inputs.map(valueInfoProto),
    output: g.outputs.map(valueInfoProto),
    value_info: valueInfo.map(valueInfoProto),
  };
}

function functionProto(f: FunctionDef): Proto {
  return {
    name: f.name,
    domain: f.domain,
    input: f.inputs,
    output: f.outputs,
    attribute: f.attributes.filter((a) => !f.attributeDefaults.has(a)),
    attribute_proto: [...f.attributeDefaults].map(([k, a]) => attributeProto(k, a)),
    node: f.nodes.map(nodeProto),
    opset_import: [...f.opsets].map(([domain, version]) => ({ domain, version })),
  };
}

/** Every domain a node of the graph (or of its subgraphs) uses, so each gets an opset import. */
function domainsOf(g: Graph, out = new Set<string>()): Set<string> {
  for (const n of g.nodes) {
    out.add(n.domain);
    for (const sub of subgraphsOf(n)) domainsOf(sub, out);
  }
  return out;
}

export function encodeModel(model: Model): Uint8Array {
  const opsets = new Map(model.opsets);
  for (const d of domainsOf(model.graph)) if (!opsets.has(d)) opsets.set(d, 1);
  const proto: Proto = {
    ir_version: model.irVersion || irVersionForOpset(opsets.get('') ?? 1),
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    graph: graphProto(model.graph),
    opset_import: [...opsets].map(([domain, version]) => ({ domain, version })),
    metadata_props: [...model.metadata].map(([key, value]) => ({ key, value })),
    functions: model.functions.map(functionProto),
  };
  // A copy: in Node, finish() may return a slice of a shared pool buffer.
  return new Uint8Array(messageType('ModelProto').encode(proto).finish());
}
