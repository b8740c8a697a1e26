// Conformance runner for developers: `npx tsx tools/conformance.ts [--filter REGEX] [--update] [--quiet]`.
// Prints one line per case (or only failures with --quiet), then counts per folder and status.
// --update rewrites test/conformance/passing.txt with every case that passes now.
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { listCases } from '../test/conformance/cases.js';
import { PASSING_FILE, readPassing, summarize } from '../test/conformance/passing.js';
import { runCases } from '../test/conformance/runner.js';

const program = new Command()
  .option('--filter <regex>', 'only cases whose id matches')
  .option('--update', 'rewrite the passing list from this run (needs a full run: no --filter)')
  .option('--quiet', 'print only cases that do not pass')
  .option('--parallel <n>', 'child processes', '2')
  .parse();
const opts = program.opts<{ filter?: string; update?: boolean; quiet?: boolean; parallel: string }>();

const re = opts.filter ? new RegExp(opts.filter) : undefined;
const cases = listCases().filter((c) => !re || re.test(c.id) || re.test(c.id.split('/')[1]));
const listed = readPassing();
const results = await runCases(cases, {
  parallel: Number(opts.parallel),
  onResult: (r) => {
    if (opts.quiet && r.status === 'pass') return;
    const regress = r.status !== 'pass' && listed.has(r.id) ? ' REGRESSION' : '';
    console.log(`${r.status.padEnd(7)} ${r.id}${regress}${r.reason ? `  -- ${r.reason}` : ''}`);
  },
});
console.log(summarize(results));
if (opts.update) {
  if (re) {
    console.error('--update needs a full run (no --filter)');
    process.exit(2);
  }
  const passing = results
    .filter((r) => r.status === 'pass')
    .map((r) => r.id)
    .sort();
  writeFileSync(PASSING_FILE, passing.join('\n') + '\n');
  console.log(`wrote ${passing.length} passing cases to ${PASSING_FILE}`);
}
