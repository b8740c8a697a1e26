// Dimension algebra on Dim = number | string | null: known size, symbolic name, unknown.
import type { Dim } from '../ir/types.js';

export function isKnown(d: Dim | undefined): d is number {
  return typeof d === 'number';
}

/** True when both dims are provably the same size (equal numbers or the same symbol). */
export function sameDim(a: Dim, b: Dim): boolean {
  return a !== null && a === b;
}

/** The more precise of two descriptions of one dimension: a number beats a symbol beats unknown. */
export function refineDim(a: Dim, b: Dim): Dim {
  if (isKnown(a)) return a;
  if (isKnown(b)) return b;
  return a ?? b;
}

export function allKnown(dims: readonly Dim[] | undefined): dims is number[] {
  return dims !== undefined && dims.every(isKnown);
}

/** Product of dims as a number, a single symbol (times 1), or null. */
export function dimProduct(dims: readonly Dim[]): Dim {
  const p = symbolicProduct(dims);
  if (!p) return null;
  if (p.symbols.length === 0) return p.num;
  if (p.symbols.length === 1 && p.num === 1) return p.symbols[0];
  if (p.num === 0) return 0;
  return null;
}

/** A product as (number × symbols); undefined when a factor is unknown. */
export interface SymbolicProduct {
  num: number;
  symbols: string[];
}

export function symbolicProduct(dims: readonly Dim[]): SymbolicProduct | undefined {
  let num = 1;
  const symbols: string[] = [];
  for (const d of dims) {
    if (d === null) return undefined;
    if (typeof d === 'number') num *= d;
    else symbols.push(d);
  }
  return { num, symbols: symbols.sort() };
}

/** a / b when the quotient is provable: symbols of b cancel against a's. Returns undefined if not provable. */
export function divideProducts(a: SymbolicProduct, b: SymbolicProduct): Dim | undefined {
  const rest = [...a.symbols];
  for (const s of b.symbols) {
    const i = rest.indexOf(s);
    if (i < 0) return undefined;
    rest.splice(i, 1);
  }
  if (b.num === 0 || a.num % b.num !== 0) return undefined;
  const num = a.num / b.num;
  if (rest.length === 0) return num;
  if (rest.length === 1 && num === 1) return rest[0];
  return null;
}

/** Adds dims: a number when all are known, otherwise null (x + 0 keeps x). */
export function dimSum(dims: readonly Dim[]): Dim {
  const nonZero = dims.filter((d) => d !== 0);
  if (nonZero.length === 1) return nonZero[0];
  return allKnown(nonZero) ? nonZero.reduce((a, b) => a + b, 0) : null;
}

/**
 * Multidirectional (numpy) broadcast of shapes. Returns the result, or a string describing the first pair of
 * known dims that cannot broadcast.
 */
export function broadcastShapes(shapes: readonly (readonly Dim[])[]): Dim[] | string {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const column = shapes.map((s) => s[s.length - rank + i]).filter((d): d is Dim => d !== undefined);
    const r = broadcastColumn(column);
    if (typeof r === 'object' && r !== null) {
      return `dimension ${i} of the result: sizes ${column.map(String).join(' vs ')} do not broadcast (${shapes
        .map((s) => `[${s.map(String).join(', ')}]`)
        .join(' and ')})`;
    }
    out.push(r);
  }
  return out;
}

function broadcastColumn(column: Dim[]): Dim | { conflict: true } {
  const fixed = column.filter((d): d is number => isKnown(d) && d !== 1);
  if (fixed.length) {
    return fixed.every((d) => d === fixed[0]) ? fixed[0] : { conflict: true };
  }
  const rest = column.filter((d) => d !== 1);
  if (rest.length === 0) return 1;
  // Symbols only: the same symbol everywhere stays; anything else (a null might be 1) is unknown.
  return rest.every((d) => d !== null && d === rest[0]) ? rest[0] : null;
}

/** Normalizes a possibly negative axis for a tensor of rank r; returns undefined when out of range. */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

export function formatShape(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]` : '[unknown rank]';
}
