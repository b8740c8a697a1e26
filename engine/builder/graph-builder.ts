// Builds one ONNX graph node by node: typed inputs and outputs, initializers, nodes with attributes.
import type { TensorType } from '../dtype.js';
import type { Dim, ValueType } from '../ir/types.js';
import { Tensor, type TensorData } from '../tensor.js';
import {
  type AttributeValue,
  attributeProtoOf,
  type GraphSource,
  type TypedAttribute,
  typedAttribute,
} from './attributes.js';
import { tensorProtoOf } from './encode-tensor.js';
import { typeProtoOf } from '../onnx/encode-type.js';

export interface NodeOptions {
  /** Node name; default `<OpType>_<index>`. */
  name?: string;
  /** Operator domain; default '' (ai.onnx). */
  domain?: string;
}

interface BuiltNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: [string, TypedAttribute][];
  name: string;
  domain: string;
}

/** A tensor element type with an optional shape, or a full IR value type (sequence, optional, map, ...). */
export type ValueTypeSpec = TensorType | ValueType;

function valueTypeOf(type: ValueTypeSpec, shape: readonly Dim[] | undefined): ValueType {
  if (typeof shape !== 'undefined' && typeof type !== 'string') {
    throw new TypeError('pass the shape inside the ValueType, not beside it');
  }
  const t: ValueType =
    typeof type === 'string' ? { kind: 'tensor', elemType: type, shape: shape && [...shape] } : type;
  typeProtoOf(t); // validates element types and dimensions now, where the caller can see which call was wrong
  return t;
}

export class GraphBuilder implements GraphSource {
  private readonly inputs: { name: string; type: ValueType }[] = [];
  private readonly outputs: { name: string; type: ValueType }[] = [];
  private readonly valueInfos: { name: string; type: ValueType }[] = [];
  private readonly initializers: { name: string; tensor: Tensor }[] = [];
  private readonly nodes: BuiltNode[] = [];
  // Every value name defined so far (inputs, initializers, node outputs): ONNX graphs are single-assignment.
  private readonly defined = new Set<string>();
  private readonly nodeNames = new Set<string>();

  constructor(readonly name: string) {}

  /** A graph input; shape entries are sizes, symbolic names ('batch') or null for unknown. */
  input(name: string, type: ValueTypeSpec, shape?: readonly Dim[]): this {
    this.define(name, 'graph input');
    this.inputs.push({ name, type: valueTypeOf(type, shape) });
    return this;
  }

  output(name: string, type: ValueTypeSpec, shape?: readonly Dim[]): this {
    if (this.outputs.some((o) => o.name === name))
      throw new Error(`graph '${this.name}': output '${name}' declared twice`);
    this.outputs.push({ name, type: valueTypeOf(type, shape) });
    return this;
  }

  /** Type information for an intermediate value (optional in ONNX; shape inference fills it). */
  valueInfo(name: string, type: ValueTypeSpec, shape?: readonly Dim[]): this {
    this.valueInfos.push({ name, type: valueTypeOf(type, shape) });
    return this;
  }

  /** A constant weight; plain number arrays are float32 unless `type` says otherwise. */
  initializer(name: string, value: Tensor): this;
  initializer(
    name: string,
    data: TensorData | readonly number[] | readonly bigint[],
    dims: readonly number[],
    type?: TensorType,
  ): this;
  initializer(
    name: string,
    value: Tensor | TensorData | readonly number[] | readonly bigint[],
    dims?: readonly number[],
    type?: TensorType,
  ): this {
    let tensor: Tensor;
    if (value instanceof Tensor) tensor = value;
    else if (!dims) throw new TypeError(`initializer '${name}': dims are required with raw data`);
    else if (type) tensor = new Tensor(type, value, dims);
    else if (Array.isArray(value))
      tensor = new Tensor(typeof value[0] === 'bigint' ? 'int64' : 'float32', value, dims);
    else tensor = new Tensor(value as TensorData, dims);
    this.define(name, 'initializer');
    this.initializers.push({ name, tensor });
    return this;
  }

  /** Adds a node; '' in `inputs` marks an omitted optional input. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    options: NodeOptions = {},
  ): this {
    if (!opType) throw new TypeError('node: opType is required');
    const name = options.name ?? `${opType}_${this.nodes.length}`;
    if (this.nodeNames.has(name)) throw new Error(`graph '${this.name}': two nodes are named '${name}'`);
    // Attribute kinds are decided now, so a bad attribute fails at this call rather than at toBytes().
    const typed = Object.entries(attributes).map(([k, v]): [string, TypedAttribute] => [
      k,
      typedAttribute(k, v),
    ]);
    for (const o of outputs) if (o) this.define(o, `output of node '${name}'`);
    this.nodeNames.add(name);
    this.nodes.push({
      opType,
      inputs: [...inputs],
      outputs: [...outputs],
      attributes: typed,
      name,
      domain: options.domain ?? '',
    });
    return this;
  }

  /** A plain object that protobufjs encodes as onnx.GraphProto. */
  toGraphProto(): Record<string, unknown> {
    const valueInfo = (v: { name: string; type: ValueType }) => ({ name: v.name, type: typeProtoOf(v.type) });
    return {
      name: this.name,
      node: this.nodes.map((n) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name,
        op_type: n.opType,
        domain: n.domain,
        attribute: n.attributes.map(([k, v]) => attributeProtoOf(k, v)),
      })),
      initializer: this.initializers.map((i) => tensorProtoOf(i.name, i.tensor)),
      input: this.inputs.map(valueInfo),
      output: this.outputs.map(valueInfo),
      value_info: this.valueInfos.map(valueInfo),
    };
  }

  private define(name: string, what: string): void {
    if (!name) throw new TypeError(`graph '${this.name}': a ${what} needs a non-empty name`);
    if (this.defined.has(name))
      throw new Error(`graph '${this.name}': '${name}' (${what}) is already defined`);
    this.defined.add(name);
  }
}
