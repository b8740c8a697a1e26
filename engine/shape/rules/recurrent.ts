// RNN, GRU, LSTM: sequence outputs Y and final states Y_h (and Y_c), in either layout.
import type { Dim } from '../../ir/types.js';
import type { ShapeRule } from '../context.js';

function recurrent(gates: number): ShapeRule {
  return (ctx) => {
    const elemType = ctx.type(0);
    const x = ctx.shape(0);
    const w = ctx.shape(1);
    const batchFirst = ctx.int('layout', 0) === 1;
    const dirs: Dim = ctx.string('direction', 'forward') === 'bidirectional' ? 2 : 1;
    const fromWeight = w?.[1];
    const hidden: Dim =
      ctx.int('hidden_size') ?? (typeof fromWeight === 'number' ? fromWeight / gates : null);
    const [seq, batch] = x ? (batchFirst ? [x[1], x[0]] : [x[0], x[1]]) : [null, null];
    const y = batchFirst ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden];
    const state = batchFirst ? [batch, dirs, hidden] : [dirs, batch, hidden];
    ctx.set(0, { elemType, shape: y });
    ctx.set(1, { elemType, shape: state });
    ctx.set(2, { elemType, shape: state }); // LSTM's Y_c
  };
}

export const recurrentRules: Record<string, ShapeRule> = {
  RNN: recurrent(1),
  GRU: recurrent(3),
  LSTM: recurrent(4),
};
