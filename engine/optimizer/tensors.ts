// Reading and making the small constant tensors that rewrites inspect (scalars, axes) or create (weights).
import { PLAIN_NUMERIC_TYPES, viewAs } from '../dtype.js';
import type { TensorData } from '../ir/types.js';

const READABLE = PLAIN_NUMERIC_TYPES;

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** The elements as numbers, for numeric types with plain storage; undefined otherwise. */
export function numbersOf(t: TensorData): number[] | undefined {
  if (!READABLE.has(t.type) || Array.isArray(t.data)) return undefined;
  return Array.from(viewAs(t.type, t.data) as ArrayLike<number | bigint>, Number);
}

/** The value of a one-element tensor (any rank), or undefined. */
export function scalarOf(t: TensorData): number | undefined {
  if (elementCount(t.dims) !== 1) return undefined;
  return numbersOf(t)?.[0];
}

/** A float32 view of a float32 tensor's elements (a copy when the bytes are unaligned). */
export function float32Of(t: TensorData): Float32Array | undefined {
  if (t.type !== 'float32' || Array.isArray(t.data)) return undefined;
  return viewAs('float32', t.data) as Float32Array;
}

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function float32Tensor(name: string, dims: number[], values: ArrayLike<number>): TensorData {
  return { name, type: 'float32', dims, data: bytesOf(Float32Array.from(values)) };
}

export function int64Tensor(name: string, dims: number[], values: readonly number[]): TensorData {
  return { name, type: 'int64', dims, data: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) };
}
