// Sliding-window geometry shared by Conv, ConvTranspose and the pools: kernel, strides, dilations, pads,
// auto_pad and ceil_mode, per spatial axis.
import type { Dim } from '../../ir/types.js';
import type { InferContext } from '../context.js';

export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[]; // [x1_begin, x2_begin, ..., x1_end, x2_end, ...]
  autoPad: string;
  ceilMode: boolean;
}

/** Reads the window attributes for `spatial` axes; kernel from the attribute or the given fallback. */
export function readWindow(
  ctx: InferContext,
  spatial: number,
  kernel: Dim[] | undefined,
): Window | undefined {
  const k = ctx.ints('kernel_shape') ?? kernel;
  if (!k || k.length !== spatial || !k.every((d): d is number => typeof d === 'number')) return undefined;
  const fill = (v: number, n: number) => new Array<number>(n).fill(v);
  const w: Window = {
    kernel: k,
    strides: ctx.ints('strides') ?? fill(1, spatial),
    dilations: ctx.ints('dilations') ?? fill(1, spatial),
    pads: ctx.ints('pads') ?? fill(0, 2 * spatial),
    autoPad: ctx.string('auto_pad', 'NOTSET'),
    ceilMode: ctx.int('ceil_mode', 0) === 1,
  };
  if (w.strides.length !== spatial || w.dilations.length !== spatial || w.pads.length !== 2 * spatial) {
    ctx.fail(`strides/dilations/pads do not match ${spatial} spatial axes`);
  }
  if (w.strides.some((s) => s <= 0)) ctx.fail(`strides [${w.strides}] must be positive`);
  return w;
}

/** Output size of spatial axis i for a forward window (Conv, pools). */
export function windowOutput(ctx: InferContext, w: Window, i: number, input: Dim): Dim {
  if (typeof input !== 'number') return null;
  const s = w.strides[i];
  const span = w.dilations[i] * (w.kernel[i] - 1) + 1;
  switch (w.autoPad) {
    case 'SAME_UPPER':
    case 'SAME_LOWER':
      return Math.ceil(input / s);
    case 'VALID':
      if (input < span) ctx.fail(`window of ${span} is larger than input size ${input} (VALID)`);
      return w.ceilMode ? Math.ceil((input - span + 1) / s) : Math.floor((input - span) / s) + 1;
    default: {
      const begin = w.pads[i];
      const room = input + begin + w.pads[i + w.kernel.length] - span;
      if (room < 0) ctx.fail(`window of ${span} is larger than padded input size ${room + span}`);
      if (!w.ceilMode) return Math.floor(room / s) + 1;
      const out = Math.ceil(room / s) + 1;
      // A last window that would start inside the end padding is dropped.
      return (out - 1) * s >= input + begin ? out - 1 : out;
    }
  }
}

/** Output size of spatial axis i for ConvTranspose (without output_shape). */
export function transposedOutput(w: Window, i: number, input: Dim, outputPadding: number): Dim {
  if (typeof input !== 'number') return null;
  const s = w.strides[i];
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return input * s;
  const span = w.dilations[i] * (w.kernel[i] - 1) + 1;
  const pads = w.autoPad === 'VALID' ? 0 : w.pads[i] + w.pads[i + w.kernel.length];
  return s * (input - 1) + outputPadding + span - pads;
}
