// Child process of the conformance runner: runs the case ids given on argv, one JSON line per case.
import { listCases } from './cases.js';
import { runCase } from './run-case.js';

const wanted = new Set(process.argv.slice(2));
const cases = listCases().filter((c) => wanted.has(c.id));
for (const c of cases) {
  process.stdout.write(JSON.stringify({ start: c.id }) + '\n');
  const r = await runCase(c);
  process.stdout.write(JSON.stringify(r) + '\n');
}
