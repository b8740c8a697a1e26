// Formats (--fix) or checks (--check) every C++ file under native/src with the repo's .clang-format.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const bin = join(require.resolve('clang-format/package.json'), '..', 'bin', 'linux_x64', 'clang-format');
const files = (function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.(cc|h|cu|cuh)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
})('native/src');
const mode = process.argv.includes('--fix') ? ['-i'] : ['--dry-run', '--Werror'];
const r = spawnSync(bin, ['--style=file', ...mode, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
