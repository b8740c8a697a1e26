// Values for symbolic dimensions ('batch', 'sequence', ...): the cost model needs numbers, stage models keep
// the symbols. Names the caller gives win; otherwise a batch-like name is 1, a sequence-like name 128, and
// anything else 1. Unknown dimensions (no name) also count as 1.
import type { Dim } from '../../engine/ir/types.js';

export type DimValues = Readonly<Record<string, number>>;

export const DEFAULT_BATCH = 1;
export const DEFAULT_SEQUENCE = 128;

export function defaultDim(name: string): number {
  if (/seq|len|token|time|step|position/i.test(name)) return DEFAULT_SEQUENCE;
  return DEFAULT_BATCH;
}

export function resolveDim(d: Dim | undefined, dims: DimValues): number {
  if (typeof d === 'number') return d;
  if (typeof d === 'string') return dims[d] ?? defaultDim(d);
  return 1;
}

/** Every symbolic name in `shapes`, mapped to the caller's value or its default. */
export function resolveSymbols(
  shapes: readonly (readonly Dim[] | undefined)[],
  given: DimValues,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const shape of shapes)
    for (const d of shape ?? []) if (typeof d === 'string') out[d] = resolveDim(d, given);
  for (const [k, v] of Object.entries(given)) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`dimension '${k}' must be a positive integer, got ${v}`);
    out[k] = v;
  }
  return out;
}
