// Node attributes: what callers write, and how each kind becomes an onnx.AttributeProto.
import type { ValueType } from '../ir/types.js';
import { Tensor } from '../tensor.js';
import { tensorProtoOf } from './encode-tensor.js';
import { typeProtoOf } from '../onnx/encode-type.js';
import { int64Of } from '../onnx/wire-values.js';

/** Anything that can encode itself as an onnx.GraphProto (a GraphBuilder); an interface to avoid an import cycle. */
export interface GraphSource {
  toGraphProto(): Record<string, unknown>;
}

/** An attribute with its kind spelled out; use the `attr` helpers to write one. */
export type TypedAttribute =
  | { type: 'f'; value: number }
  | { type: 'i'; value: number | bigint }
  | { type: 's'; value: string | Uint8Array }
  | { type: 't'; value: Tensor }
  | { type: 'g'; value: GraphSource }
  | { type: 'fs'; value: readonly number[] }
  | { type: 'is'; value: readonly (number | bigint)[] }
  | { type: 'ss'; value: readonly string[] }
  | { type: 'ts'; value: readonly Tensor[] }
  | { type: 'gs'; value: readonly GraphSource[] }
  | { type: 'tp'; value: ValueType };

/**
 * Plain values are read like onnx.helper.make_attribute reads Python values: an integral number, bigint or
 * boolean is INT, any other number FLOAT, arrays likewise (all integral -> INTS). JS cannot tell 1 from 1.0,
 * so write `attr.float(1)` / `attr.floats([...])` where the op expects floats.
 */
export type AttributeValue =
  | number
  | bigint
  | boolean
  | string
  | readonly number[]
  | readonly bigint[]
  | readonly string[]
  | Tensor
  | readonly Tensor[]
  | GraphSource
  | readonly GraphSource[]
  | TypedAttribute;

export const attr = {
  float: (value: number): TypedAttribute => ({ type: 'f', value }),
  int: (value: number | bigint): TypedAttribute => ({ type: 'i', value }),
  string: (value: string | Uint8Array): TypedAttribute => ({ type: 's', value }),
  tensor: (value: Tensor): TypedAttribute => ({ type: 't', value }),
  graph: (value: GraphSource): TypedAttribute => ({ type: 'g', value }),
  floats: (value: readonly number[]): TypedAttribute => ({ type: 'fs', value }),
  ints: (value: readonly (number | bigint)[]): TypedAttribute => ({ type: 'is', value }),
  strings: (value: readonly string[]): TypedAttribute => ({ type: 'ss', value }),
  tensors: (value: readonly Tensor[]): TypedAttribute => ({ type: 'ts', value }),
  graphs: (value: readonly GraphSource[]): TypedAttribute => ({ type: 'gs', value }),
  type: (value: ValueType): TypedAttribute => ({ type: 'tp', value }),
};

const KIND_CODE = { f: 1, i: 2, s: 3, t: 4, g: 5, fs: 6, is: 7, ss: 8, ts: 9, gs: 10, tp: 13 } as const;
const utf8 = new TextEncoder();

function isGraphSource(v: unknown): v is GraphSource {
  return typeof v === 'object' && v !== null && typeof (v as GraphSource).toGraphProto === 'function';
}

function isTyped(v: unknown): v is TypedAttribute {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    'type' in v &&
    'value' in v &&
    !(v instanceof Tensor)
  );
}

/** Decides the kind of a plain value (see AttributeValue). */
export function typedAttribute(name: string, v: AttributeValue): TypedAttribute {
  if (isTyped(v)) return v;
  if (typeof v === 'string') return { type: 's', value: v };
  if (typeof v === 'bigint') return { type: 'i', value: v };
  if (typeof v === 'boolean') return { type: 'i', value: v ? 1 : 0 };
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'i', value: v } : { type: 'f', value: v };
  if (v instanceof Tensor) return { type: 't', value: v };
  if (isGraphSource(v)) return { type: 'g', value: v };
  if (Array.isArray(v)) {
    const items = v as readonly unknown[];
    if (items.length === 0) {
      throw new TypeError(
        `attribute '${name}': an empty list has no kind; write attr.ints([]), attr.floats([]), ...`,
      );
    }
    if (items.every((x) => typeof x === 'string')) return { type: 'ss', value: items as string[] };
    if (items.every((x) => typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x)))) {
      return { type: 'is', value: items as (number | bigint)[] };
    }
    if (items.every((x) => typeof x === 'number')) return { type: 'fs', value: items as number[] };
    if (items.every((x) => x instanceof Tensor)) return { type: 'ts', value: items as Tensor[] };
    if (items.every(isGraphSource)) return { type: 'gs', value: items as GraphSource[] };
  }
  throw new TypeError(
    `attribute '${name}': cannot tell the attribute kind of ${String(v)}; use the attr helpers`,
  );
}

/** A plain object that protobufjs encodes as onnx.AttributeProto. */
export function attributeProtoOf(name: string, value: AttributeValue): Record<string, unknown> {
  const a = typedAttribute(name, value);
  const proto: Record<string, unknown> = { name, type: KIND_CODE[a.type] };
  switch (a.type) {
    case 'f':
      proto.f = a.value;
      break;
    case 'i':
      proto.i = int64Of(a.value);
      break;
    case 's':
      proto.s = typeof a.value === 'string' ? utf8.encode(a.value) : a.value;
      break;
    case 't':
      proto.t = tensorProtoOf('', a.value);
      break;
    case 'g':
      proto.g = a.value.toGraphProto();
      break;
    case 'fs':
      proto.floats = [...a.value];
      break;
    case 'is':
      proto.ints = a.value.map(int64Of);
      break;
    case 'ss':
      proto.strings = a.value.map((s) => utf8.encode(s));
      break;
    case 'ts':
      proto.tensors = a.value.map((t) => tensorProtoOf('', t));
      break;
    case 'gs':
      proto.graphs = a.value.map((g) => g.toGraphProto());
      break;
    case 'tp':
      proto.tp = typeProtoOf(a.value);
      break;
  }
  return proto;
}
