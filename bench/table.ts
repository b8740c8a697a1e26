// Median and a Markdown table for the benchmark report.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);
}

export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** One line, short enough for a table cell. */
export function oneLine(e: unknown, max = 160): string {
  const msg = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').replace(/\|/g, '/');
  return msg.length > max ? msg.slice(0, max - 1) + '…' : msg;
}
