// Element-wise evaluation of known small tensors with numpy broadcasting, for value propagation.
import type { TensorType } from '../../dtype.js';
import type { Dim } from '../../ir/types.js';
import { type ConstValue, makeConst, mapIndices, stridesOf } from '../const-value.js';
import { allKnown, broadcastShapes } from '../dims.js';

export type ElementFn = (args: Dim[]) => Dim;

/** Applies fn element-wise over broadcast inputs; undefined when an input is not known or too large. */
export function foldBroadcast(inputs: (ConstValue | undefined)[], fn: ElementFn): ConstValue | undefined {
  if (inputs.some((v) => v === undefined)) return undefined;
  const values = inputs as ConstValue[];
  const dims = broadcastShapes(values.map((v) => v.dims));
  if (typeof dims === 'string' || !allKnown(dims)) return undefined;
  const rank = dims.length;
  const pickers = values.map((v) => {
    const strides = stridesOf(v.dims);
    const offset = rank - v.dims.length;
    return (index: number[]) => {
      let flat = 0;
      for (let k = 0; k < v.dims.length; k++) flat += (v.dims[k] === 1 ? 0 : index[k + offset]) * strides[k];
      return v.values[flat];
    };
  });
  const out = mapIndices(dims, (index) => fn(pickers.map((p) => p(index))));
  return out && makeConst(dims, out);
}

/** Lifts a numeric function to Dims: known only when every argument is a known number. */
export function numeric(fn: (...xs: number[]) => number): ElementFn {
  return (args) => {
    return args.every((a) => typeof a === 'number') ? fn(...(args as number[])) : null;
  };
}

/** Rounds folded numbers to float32 when that is the result type, so folded values match run-time ones. */
export function asType(v: ConstValue | undefined, type: TensorType | undefined): ConstValue | undefined {
  if (!v || type !== 'float32') return v;
  return { dims: v.dims, values: v.values.map((x) => (typeof x === 'number' ? Math.fround(x) : x)) };
}
