// Resize and Upsample: output sizes from `sizes` when given, else floor(input * scale) per axis.
import type { Dim } from '../../ir/types.js';
import type { InferContext, ShapeRule } from '../context.js';
import { normalizeAxis } from '../dims.js';

function scaled(d: Dim, s: number | undefined): Dim {
  if (s === 1) return d;
  return typeof d === 'number' && s !== undefined ? Math.floor(d * s) : null;
}

function resizeShape(ctx: InferContext, input: Dim[]): Dim[] {
  const r = input.length;
  const axes = (ctx.ints('axes') ?? input.map((_, i) => i)).map(
    (a) => normalizeAxis(a, r) ?? ctx.fail(`axis ${a} is out of range`),
  );
  const scalesAt = ctx.opset >= 11 ? 2 : 1;
  const sizes = ctx.opset >= 11 && ctx.has(3) ? ctx.value(3)?.values : undefined;
  const out = [...input];
  if (ctx.opset >= 11 && ctx.has(3)) {
    const policy = ctx.string('keep_aspect_ratio_policy', 'stretch');
    if (policy === 'stretch') axes.forEach((a, k) => (out[a] = sizes?.[k] ?? null));
    else axes.forEach((a) => (out[a] = null));
    // not_larger / not_smaller: one common scale, the smallest or largest of sizes / input.
    const ratios = axes.map((a, k) => {
      const [s, d] = [sizes?.[k], input[a]];
      return typeof s === 'number' && typeof d === 'number' && d > 0 ? s / d : undefined;
    });
    if (policy !== 'stretch' && ratios.every((r): r is number => r !== undefined)) {
      const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => (out[a] = Math.round(scale * (input[a] as number))));
    }
    return out;
  }
  const scales = ctx.has(scalesAt) ? ctx.numbers(scalesAt) : undefined;
  const crop = ctx.string('coordinate_transformation_mode', '') === 'tf_crop_and_resize';
  axes.forEach((a, k) => (out[a] = crop || !scales ? null : scaled(input[a], scales[k])));
  return out;
}

const resize: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  ctx.set(0, { elemType: ctx.type(0), shape: input && resizeShape(ctx, input) });
};

const upsample: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  const scales = ctx.opset >= 9 ? ctx.numbers(1) : ctx.floats('scales');
  ctx.set(0, { elemType: ctx.type(0), shape: input?.map((d, i) => scaled(d, scales?.[i])) });
};

export const resizeRules: Record<string, ShapeRule> = { Resize: resize, Upsample: upsample };
