// ONNX backend conformance: every case runs; each case in passing.txt must still pass.
import { existsSync } from 'node:fs';
import test from 'ava';
import { dataRoot, listCases } from './cases.js';
import { readExclusions, readPassing, summarize } from './passing.js';
import { runCases } from './runner.js';

const root = dataRoot();

if (!existsSync(root)) {
  test.skip(`conformance: skipped, ONNX backend data not found at ${root} (set ONNX_BACKEND_DATA)`, () => {});
} else {
  test('listed conformance cases still pass', async (t) => {
    const listed = readPassing();
    const cases = listCases(root);
    t.true(cases.length > 0, `no cases under ${root}`);
    const results = await runCases(cases, { parallel: 2 });
    t.log('\n' + summarize(results));
    const regressions = results.filter((r) => listed.has(r.id) && r.status !== 'pass');
    const missing = [...listed].filter((id) => !results.some((r) => r.id === id));
    const newlyPassing = results.filter((r) => r.status === 'pass' && !listed.has(r.id)).length;
    if (newlyPassing)
      t.log(`${newlyPassing} cases pass that are not listed yet (npx tsx tools/conformance.ts --update)`);
    t.deepEqual(
      regressions.map((r) => `${r.id}: ${r.status} ${r.reason ?? ''}`),
      [],
      'listed cases that no longer pass',
    );
    t.deepEqual(missing, [], 'listed cases that no longer exist in the data');
    const stale = [...readExclusions().keys()].filter((id) => !cases.some((c) => c.id === id));
    t.deepEqual(stale, [], 'exclusions that name no case');
  });
}
