// Spatial resampling with explicit output geometry: GridSample, AffineGrid, RoiAlign, MaxUnpool,
// CenterCropPad.
import type { Dim } from '../../ir/types.js';
import type { ShapeRule } from '../context.js';
import { normalizeAxis } from '../dims.js';
import { shapeFromInput } from './shape-source.js';
import { readWindow } from './window.js';

const gridSample: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const grid = ctx.shape(1);
  const shape = grid && [grid[0], x?.[1] ?? null, ...grid.slice(1, -1)];
  ctx.set(0, { elemType: ctx.type(0), shape });
};

const affineGrid: ShapeRule = (ctx) => {
  const size = shapeFromInput(ctx, 1);
  const spatial = size ? size.length - 2 : undefined;
  const shape = size && spatial !== undefined ? [size[0], ...size.slice(2), spatial] : undefined;
  ctx.set(0, { elemType: ctx.type(0), shape });
};

const roiAlign: ShapeRule = (ctx) => {
  const rois = ctx.shape(1);
  const channels = ctx.shape(0)?.[1] ?? null;
  const h = ctx.int('output_height', 1);
  const w = ctx.int('output_width', 1);
  ctx.set(0, { elemType: ctx.type(0), shape: [rois?.[0] ?? null, channels, h, w] });
};

const maxUnpool: ShapeRule = (ctx) => {
  const elemType = ctx.type(0);
  const x = ctx.shape(0);
  if (ctx.has(2)) return ctx.set(0, { elemType, shape: shapeFromInput(ctx, 2) });
  if (!x) return ctx.set(0, { elemType });
  const spatial = x.length - 2;
  const w = readWindow(ctx, spatial, undefined);
  const out = x.slice(2).map((d, i): Dim => {
    if (!w || typeof d !== 'number') return null;
    return (d - 1) * w.strides[i] + w.kernel[i] - w.pads[i] - w.pads[i + spatial];
  });
  ctx.set(0, { elemType, shape: [x[0], x[1], ...out] });
};

const centerCropPad: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const target = shapeFromInput(ctx, 1);
  const elemType = ctx.type(0);
  if (!x) return ctx.set(0, { elemType });
  const axes = (ctx.ints('axes') ?? x.map((_, i) => i)).map(
    (a) => normalizeAxis(a, x.length) ?? ctx.fail(`axis ${a} is out of range for ${ctx.describe(0)}`),
  );
  const shape = [...x];
  axes.forEach((a, k) => (shape[a] = target?.[k] ?? null));
  ctx.set(0, { elemType, shape });
};

export const samplingRules: Record<string, ShapeRule> = {
  GridSample: gridSample,
  AffineGrid: affineGrid,
  RoiAlign: roiAlign,
  MaxUnpool: maxUnpool,
  CenterCropPad: centerCropPad,
};
