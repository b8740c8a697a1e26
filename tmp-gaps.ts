import { readFileSync } from 'node:fs';
import { shapeRules } from './engine/shape/index.js';
const lines = readFileSync('/tmp/shapecheck/out2.txt', 'utf8').split('== unknown')[1].trim().split('\n');
const byOp = new Map<string, string[]>();
for (const l of lines) {
  const m = /^(\S+) (\S+) (\S+) -> (.*)$/.exec(l); if (!m) continue;
  const ops = m[3].split(',').filter(Boolean);
  const missing = ops.filter(o => !shapeRules.has(o));
  const k = missing.length ? 'missing:' + [...new Set(missing)].join('+') : 'covered';
  (byOp.get(k) ?? byOp.set(k, []).get(k)!).push(`${m[1]} ${m[2]} ${m[4]}`);
}
for (const [k, v] of [...byOp].sort((a, b) => b[1].length - a[1].length)) console.log(v.length, k, k === 'covered' ? '\n  ' + v.join('\n  ') : '');
