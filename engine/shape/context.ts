// What a shape rule sees: its node's inputs (type, shape, known contents), typed attribute readers, and
// where to put results. Rules read through this and never touch the graph.
import { type TensorType, typeName } from '../dtype.js';
import type { Dim, Graph, Node, TensorData } from '../ir/types.js';
import { type ConstValue, knownNumbers } from './const-value.js';
import { formatShape } from './dims.js';
import { ShapeInferenceError } from './error.js';

/** What is known about one tensor value; every field may be missing. */
export interface TensorInfo {
  elemType?: TensorType;
  shape?: Dim[];
  value?: ConstValue;
}

export type ShapeRule = (ctx: InferContext) => void;

/** Walks a subgraph in the node's scope; returns what is known about its outputs, by position. */
export type SubgraphWalker = (graph: Graph, inputs?: TensorInfo[]) => TensorInfo[];

export class InferContext {
  readonly outputs: (TensorInfo | undefined)[] = [];

  constructor(
    readonly node: Node,
    /** Opset version of the node's domain. */
    readonly opset: number,
    private readonly read: (name: string) => TensorInfo | undefined,
    /** Infers a subgraph (If branch, Loop body) with this node's scope visible. */
    readonly subgraph: SubgraphWalker = () => [],
  ) {}

  /** Whether optional input i is given. */
  has(i: number): boolean {
    return !!this.node.inputs[i];
  }

  input(i: number): TensorInfo {
    const name = this.node.inputs[i];
    return (name && this.read(name)) || {};
  }

  type(i: number): TensorType | undefined {
    return this.input(i).elemType;
  }

  shape(i: number): Dim[] | undefined {
    return this.input(i).shape;
  }

  rank(i: number): number | undefined {
    return this.input(i).shape?.length;
  }

  value(i: number): ConstValue | undefined {
    return this.input(i).value;
  }

  /** The contents of input i when every element is a known number (axes, pads, scalars...). */
  numbers(i: number): number[] | undefined {
    return knownNumbers(this.value(i));
  }

  attr(name: string) {
    return this.node.attributes.get(name);
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const a = this.attr(name);
    return a?.type === 'i' ? Number(a.value) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.attr(name);
    return a?.type === 'is' ? a.value.map(Number) : undefined;
  }

  float(name: string, fallback: number): number {
    const a = this.attr(name);
    return a?.type === 'f' ? a.value : fallback;
  }

  floats(name: string): number[] | undefined {
    const a = this.attr(name);
    return a?.type === 'fs' ? a.value : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.attr(name);
    return a?.type === 's' ? a.value : fallback;
  }

  graph(name: string): Graph | undefined {
    const a = this.attr(name);
    return a?.type === 'g' ? a.value : undefined;
  }

  tensor(name: string): TensorData | undefined {
    const a = this.attr(name);
    return a?.type === 't' ? a.value : undefined;
  }

  /** An element-type attribute such as Cast's `to`; undefined when absent, 0 or unknown. */
  dtype(name: string): TensorType | undefined {
    const code = this.int(name);
    if (!code) return undefined;
    try {
      return typeName(code);
    } catch {
      return undefined;
    }
  }

  set(i: number, info: TensorInfo): void {
    if (i < this.node.outputs.length && this.node.outputs[i]) this.outputs[i] = info;
  }

  /** Throws for a proven inconsistency, naming node and op. */
  fail(message: string): never {
    throw new ShapeInferenceError(this.node.name, this.node.opType, message);
  }

  describe(i: number): string {
    return `input ${i} '${this.node.inputs[i]}' ${formatShape(this.shape(i))}`;
  }
}
