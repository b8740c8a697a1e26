// Several worker threads loading one model share one compiled copy of its weights.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';

test('4 worker threads hold the weights once', (t) => {
  const child = fileURLToPath(new URL('./fixtures/shared-weights-child.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', child], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  t.log(
    `weights ${mib(r.weightBytes)} MiB; rss before ${mib(r.rss0)}, after 1 thread ${mib(r.rss1)}, after 4 threads ${mib(r.rss2)} MiB`,
  );
  t.true(r.rss1 - r.rss0 > 0.8 * r.weightBytes, 'the first load should add about the weight size');
  t.true(r.rss2 - r.rss1 < 0.25 * r.weightBytes, 'three more threads must not add copies of the weights');
  // Counted after every load finished: concurrent loads make the counts taken during loading racy.
  t.is(r.shareCountAfterAll, 4, 'all four sessions share one compiled model');
  t.true(
    r.checksums.every((c: number) => c === r.checksums[0]),
    'every thread computes the same output',
  );
});
