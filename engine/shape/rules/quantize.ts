// QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear: shapes pass through; the element type comes
// from output_dtype (opset 21), the zero point, or the scale.
import type { ShapeRule } from '../context.js';

const quantize: ShapeRule = (ctx) => {
  const elemType = ctx.dtype('output_dtype') ?? (ctx.has(2) ? ctx.type(2) : 'uint8');
  ctx.set(0, { elemType, shape: ctx.shape(0) });
};

const dequantize: ShapeRule = (ctx) => {
  ctx.set(0, { elemType: ctx.dtype('output_dtype') ?? ctx.type(1) ?? 'float32', shape: ctx.shape(0) });
};

const dynamicQuantize: ShapeRule = (ctx) => {
  ctx.set(0, { elemType: 'uint8', shape: ctx.shape(0) });
  ctx.set(1, { elemType: 'float32', shape: [] });
  ctx.set(2, { elemType: 'uint8', shape: [] });
};

export const quantizeRules: Record<string, ShapeRule> = {
  QuantizeLinear: quantize,
  DequantizeLinear: dequantize,
  DynamicQuantizeLinear: dynamicQuantize,
};
