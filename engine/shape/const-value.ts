// Known contents of small tensors (shape vectors, axes, scalars), propagated so that Reshape targets,
// Slice bounds and friends computed inside the graph resolve statically.
import { PLAIN_NUMERIC_TYPES, type TensorType, viewAs } from '../dtype.js';
import type { Dim, TensorData } from '../ir/types.js';

/**
 * Element values in row-major order. A number is a known element, a string a symbolic dimension size
 * (e.g. Shape of an input with dim 'batch'), null an unknown element.
 */
export interface ConstValue {
  dims: number[];
  values: Dim[];
}

/** Tensors larger than this are not tracked: shape arithmetic only needs small ones. */
export const MAX_CONST_ELEMENTS = 1024;

const NUMERIC = PLAIN_NUMERIC_TYPES;

export function isIntegerType(t: TensorType | undefined): boolean {
  return t !== undefined && t !== 'bool' && /^u?int\d+$/.test(t);
}

/** Reads a small numeric tensor; undefined for large, string or exotic-float tensors. */
export function constFromTensor(t: TensorData): ConstValue | undefined {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (
    count > MAX_CONST_ELEMENTS ||
    !NUMERIC.has(t.type) ||
    typeof t.data === 'string' ||
    Array.isArray(t.data)
  ) {
    return undefined;
  }
  const arr = viewAs(t.type, t.data);
  const values: Dim[] = [];
  for (let i = 0; i < count; i++) values.push(Number(arr[i]));
  return { dims: [...t.dims], values };
}

export function constCount(v: ConstValue): number {
  return v.values.length;
}

/** All elements as numbers, or undefined if any is symbolic or unknown. */
export function knownNumbers(v: ConstValue | undefined): number[] | undefined {
  if (!v || !v.values.every((x) => typeof x === 'number')) return undefined;
  return v.values as number[];
}

/** Builds a value if small enough to track. */
export function makeConst(dims: number[], values: Dim[]): ConstValue | undefined {
  return values.length <= MAX_CONST_ELEMENTS ? { dims, values } : undefined;
}

/** Row-major strides of dims. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

/** Builds an output of `dims` by mapping each output multi-index to a source element. */
export function mapIndices(dims: readonly number[], pick: (index: number[]) => Dim): Dim[] | undefined {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_CONST_ELEMENTS) return undefined;
  const out: Dim[] = [];
  const index = new Array<number>(dims.length).fill(0);
  for (let n = 0; n < count; n++) {
    out.push(pick(index));
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++index[k] < dims[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

/** The same elements under a new shape, when that shape is fully known and holds as many elements. */
export function reshaped(
  v: ConstValue | undefined,
  shape: readonly Dim[] | undefined,
): ConstValue | undefined {
  if (!v || !shape || !shape.every((d): d is number => typeof d === 'number')) return undefined;
  const dims = shape as number[];
  return dims.reduce((a, b) => a * b, 1) === v.values.length
    ? { dims: [...dims], values: v.values }
    : undefined;
}
