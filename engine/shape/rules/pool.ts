// Pools: MaxPool (with its Indices output), AveragePool, LpPool and the global pools.
import type { Dim } from '../../ir/types.js';
import type { ShapeRule } from '../context.js';
import { readWindow, windowOutput } from './window.js';

const pool: ShapeRule = (ctx) => {
  const elemType = ctx.type(0);
  const input = ctx.shape(0);
  if (!input) {
    ctx.set(0, { elemType });
    return ctx.set(1, { elemType: 'int64' });
  }
  if (input.length < 3) ctx.fail(`${ctx.describe(0)} has no spatial axes`);
  const spatial = input.length - 2;
  const win = readWindow(ctx, spatial, undefined);
  const shape: Dim[] = [input[0], input[1]];
  for (let i = 0; i < spatial; i++) shape.push(win ? windowOutput(ctx, win, i, input[i + 2]) : null);
  ctx.set(0, { elemType, shape });
  ctx.set(1, { elemType: 'int64', shape });
};

const globalPool: ShapeRule = (ctx) => {
  const input = ctx.shape(0);
  ctx.set(0, { elemType: ctx.type(0), shape: input?.map((d, i) => (i < 2 ? d : 1)) });
};

export const poolRules: Record<string, ShapeRule> = {
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
};
