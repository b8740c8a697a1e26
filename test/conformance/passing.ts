// The list of cases known to pass: CI fails when one of them stops passing.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from './run-case.js';

export const PASSING_FILE = fileURLToPath(new URL('./passing.txt', import.meta.url));
export const EXCLUSIONS_FILE = fileURLToPath(new URL('./exclusions.json', import.meta.url));

/** case id -> reason it is not run. */
export function readExclusions(): Map<string, string> {
  if (!existsSync(EXCLUSIONS_FILE)) return new Map();
  const raw = JSON.parse(readFileSync(EXCLUSIONS_FILE, 'utf8')) as Record<string, string>;
  return new Map(Object.entries(raw).filter(([k]) => !k.startsWith('//')));
}

export function readPassing(): Set<string> {
  if (!existsSync(PASSING_FILE)) return new Set();
  return new Set(
    readFileSync(PASSING_FILE, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
}

export function summarize(results: CaseResult[]): string {
  const byFolder = new Map<string, Map<string, number>>();
  for (const r of results) {
    const folder = r.id.split('/')[0];
    const m = byFolder.get(folder) ?? new Map<string, number>();
    m.set(r.status, (m.get(r.status) ?? 0) + 1);
    byFolder.set(folder, m);
  }
  const lines = ['folder               total   pass   fail  error  crash  timeout excluded'];
  let total = 0;
  let pass = 0;
  for (const [folder, m] of byFolder) {
    const n = [...m.values()].reduce((a, b) => a + b, 0);
    total += n;
    pass += m.get('pass') ?? 0;
    const c = (s: string) => String(m.get(s) ?? 0).padStart(6);
    lines.push(
      `${folder.padEnd(18)} ${String(n).padStart(6)} ${c('pass')} ${c('fail')} ${c('error')} ${c('crash')} ${c('timeout').padStart(8)} ${c('excluded').padStart(8)}`,
    );
  }
  const excluded = results.filter((r) => r.status === 'excluded').length;
  lines.push(
    `passing ${pass} of ${total}` +
      (excluded ? ` (${excluded} excluded, see test/conformance/exclusions.json)` : ''),
  );
  return lines.join('\n');
}
