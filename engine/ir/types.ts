// The engine's model IR: plain classes decoded from ONNX protobuf, independent of the wire format.
import type { TensorType } from '../dtype.js';

/** A constant tensor: initializer, Constant value, tensor attribute or test-data tensor. */
export interface TensorData {
  name: string;
  type: TensorType;
  dims: number[];
  /** Little-endian element bytes (a view, possibly into the model file), or the strings of a string tensor. */
  data: Uint8Array | string[];
}

export type Dim = number | string | null; // fixed size, symbolic name, or unknown

export type ValueType =
  | { kind: 'tensor'; elemType: TensorType; shape?: Dim[] }
  | { kind: 'sequence'; elem?: ValueType }
  | { kind: 'optional'; elem?: ValueType }
  | { kind: 'map'; keyType: TensorType; value?: ValueType }
  | { kind: 'sparse_tensor'; elemType: TensorType; shape?: Dim[] };

export interface ValueInfo {
  name: string;
  type?: ValueType;
}

export type Attribute =
  | { type: 'f'; value: number }
  | { type: 'i'; value: bigint }
  | { type: 's'; value: string }
  | { type: 't'; value: TensorData }
  | { type: 'g'; value: Graph }
  | { type: 'fs'; value: number[] }
  | { type: 'is'; value: bigint[] }
  | { type: 'ss'; value: string[] }
  | { type: 'ts'; value: TensorData[] }
  | { type: 'gs'; value: Graph[] }
  | { type: 'tp'; value: ValueType }
  | { type: 'ref'; value: string }; // ref_attr_name inside a function body

export interface Node {
  name: string;
  opType: string;
  domain: string; // '' for ai.onnx
  inputs: string[]; // '' marks an absent optional input
  outputs: string[];
  attributes: Map<string, Attribute>;
  /** Set by optimizer fusions: the names of the model's original nodes this node replaced (for traces). */
  fusedFrom?: string[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, TensorData>;
  valueInfo: Map<string, ValueInfo>;
}

export interface FunctionDef {
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: string[];
  attributeDefaults: Map<string, Attribute>;
  nodes: Node[];
  opsets: Map<string, number>;
}

export interface Model {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: Map<string, number>; // domain ('' = ai.onnx) -> version
  graph: Graph;
  functions: FunctionDef[];
  metadata: Map<string, string>;
}

/** ai.onnx may be written as '' or 'ai.onnx'; the IR always uses ''. */
export function normalizeDomain(domain: string | null | undefined): string {
  return !domain || domain === 'ai.onnx' ? '' : domain;
}

/** The original nodes behind `nodes`, for a fusion that replaces them: earlier fusions' origins, else names. */
export function originsOf(nodes: readonly Node[]): string[] {
  return nodes.flatMap((n) => n.fusedFrom ?? [n.name]);
}
