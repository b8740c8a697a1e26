// Einsum: output dims from the equation's labels (explicit "->" or the implicit alphabetical form), with
// "..." standing for broadcast batch dims.
import type { Dim } from '../../ir/types.js';
import type { InferContext, ShapeRule } from '../context.js';
import { broadcastShapes, formatShape, isKnown, refineDim } from '../dims.js';

/** Splits a term into labels, '...' kept as one item. */
function labels(term: string): string[] {
  return term
    .replace(/\.\.\./g, '.')
    .split('')
    .map((c) => (c === '.' ? '...' : c));
}

function outputLabels(terms: string[][], explicit?: string): string[] {
  if (explicit !== undefined) return labels(explicit);
  const count = new Map<string, number>();
  for (const t of terms) for (const l of t) if (l !== '...') count.set(l, (count.get(l) ?? 0) + 1);
  const once = [...count]
    .filter(([, n]) => n === 1)
    .map(([l]) => l)
    .sort();
  return terms.some((t) => t.includes('...')) ? ['...', ...once] : once;
}

function einsum(ctx: InferContext): void {
  const elemType = ctx.type(0);
  const equation = ctx.string('equation', '').replace(/\s/g, '');
  const [lhs, rhs] = equation.split('->');
  const terms = lhs.split(',').map(labels);
  const shapes = terms.map((_, i) => ctx.shape(i));
  if (shapes.some((s) => !s)) return ctx.set(0, { elemType });
  const sizes = new Map<string, Dim>();
  const ellipses: Dim[][] = [];
  terms.forEach((term, i) => {
    const shape = shapes[i]!;
    const spread = shape.length - (term.length - (term.includes('...') ? 1 : 0));
    if (spread < 0 || (spread > 0 && !term.includes('...')))
      ctx.fail(`term ${i} does not fit ${formatShape(shape)}`);
    let at = 0;
    for (const l of term) {
      if (l === '...') {
        ellipses.push(shape.slice(at, at + spread));
        at += spread;
        continue;
      }
      const d = shape[at++];
      const prev = sizes.get(l);
      if (isKnown(prev) && isKnown(d) && prev !== d && prev !== 1 && d !== 1) {
        ctx.fail(`label '${l}' has sizes ${prev} and ${d}`);
      }
      sizes.set(l, prev === undefined || prev === 1 ? d : refineDim(prev, d));
    }
  });
  const batch = broadcastShapes(ellipses);
  if (typeof batch === 'string') return ctx.fail(`'...' dims do not broadcast: ${batch}`);
  const shape = outputLabels(terms, rhs).flatMap((l) => (l === '...' ? batch : [sizes.get(l) ?? null]));
  ctx.set(0, { elemType, shape });
}

export const einsumRules: Record<string, ShapeRule> = { Einsum: einsum };
