// Prints every C++ source under native/src for binding.gyp, so adding a kernel file needs no gyp edit.
// CUDA, OpenVINO and DirectML sources are built only where their toolkits exist (not yet wired here).
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const skip = new Set(['cuda', 'openvino', 'dml']);
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return skip.has(e.name) ? [] : walk(p);
    return e.name.endsWith('.cc') ? [relative(here, p)] : [];
  });
}
console.log(walk(join(here, 'src')).sort().join(' '));
