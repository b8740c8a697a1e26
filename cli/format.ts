// Human-readable lines for tensors and latencies.
import type { FetchValue, Tensor } from '../engine/index.js';
import { float16ToNumber } from './float16.js';

const MAX_VALUES = 8;

export function formatShape(dims: readonly (number | string | null)[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function formatValue(t: Tensor, i: number): string {
  const v = t.data[i];
  if (t.type === 'bool') return v ? 'true' : 'false';
  if (t.type === 'float16') return String(Number(float16ToNumber(v as number).toPrecision(5)));
  if (t.type === 'string') return JSON.stringify(v);
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(6)));
  return String(v);
}

/** The first few values, e.g. `[0.1, 0.25, ... 10 values]`; bfloat16/float8/packed types show raw storage. */
export function formatValues(t: Tensor): string {
  const shown = Math.min(MAX_VALUES, t.size);
  const items = Array.from({ length: Math.min(shown, t.data.length) }, (_, i) => formatValue(t, i));
  const more = t.size > shown ? `, ... ${t.size} values` : '';
  return `[${items.join(', ')}${more}]`;
}

export function describeTensor(t: Tensor): string {
  return `${t.type} ${formatShape(t.dims)}`;
}

/** Lines for one output: its name, dtype and shape, then its first values. */
export function formatOutput(name: string, value: FetchValue): string[] {
  if (value === null) return [`output ${name}: none`];
  if (Array.isArray(value)) {
    return [
      `output ${name}: sequence of ${value.length} tensors`,
      ...value.flatMap((t, i) => [`  [${i}] ${describeTensor(t)}`, `    ${formatValues(t)}`]),
    ];
  }
  return [`output ${name}: ${describeTensor(value)}`, `  ${formatValues(value)}`];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function formatMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(3) : ms.toFixed(1)} ms`;
}

/** Rows as aligned columns (header first); an empty body prints "(none)". */
export function textTable(header: string[], rows: string[][], indent = '  '): string {
  if (!rows.length) return `${indent}(none)`;
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all
    .map(
      (r) =>
        indent +
        r
          .map((cell, c) => (cell ?? '').padEnd(widths[c]))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}
