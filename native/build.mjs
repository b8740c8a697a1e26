// Builds the native addon with node-gyp against headers already on this machine: it never downloads.
// Run by `npm install` / `npm ci` (the package's install script) and by `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

function fail(lines) {
  console.error(['onnxfleet: cannot build the native addon.', ...lines.map((l) => '  ' + l)].join('\n'));
  process.exit(1);
}

// Node headers: an explicit nodedir, else the prefix of the running node (Debian/NodeSource put them there).
const tried = [];
const candidates = [
  process.env.npm_config_nodedir,
  process.env.ONNXFLEET_NODEDIR,
  dirname(dirname(process.execPath)),
];
let nodedir;
for (const dir of candidates.filter(Boolean)) {
  const header = join(dir, 'include', 'node', 'node_api.h');
  tried.push(header);
  if (existsSync(header)) {
    nodedir = dir;
    break;
  }
}
if (!nodedir) {
  fail([
    'No Node.js headers found. Tried:',
    ...tried.map((t) => '  ' + t),
    'Fix: install the headers of this Node.js (Debian/Ubuntu: `apt-get install nodejs` from NodeSource ships them;',
    'with a tarball install they are in <prefix>/include/node), or set ONNXFLEET_NODEDIR=<prefix>.',
  ]);
}

const dnnl = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/local/include/oneapi/dnnl/dnnl.hpp'];
if (!dnnl.some((p) => existsSync(p))) {
  fail([
    'oneDNN headers not found (looked for ' + dnnl.join(', ') + ').',
    'Fix: apt-get install -y libdnnl-dev',
  ]);
}

// configure + build (not rebuild): object files of unchanged sources are kept, so re-running is quick.
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const common = [`--nodedir=${nodedir}`];
if (process.env.ONNXFLEET_DEBUG_BUILD === '1') common.push('--debug');
let r = spawnSync(process.execPath, [gyp, 'configure', ...common], { cwd: here, stdio: 'inherit' });
if (r.status === 0)
  r = spawnSync(process.execPath, [gyp, 'build', '--jobs=max', ...common], { cwd: here, stdio: 'inherit' });
if (r.status !== 0) {
  fail([
    `node-gyp exited with status ${r.status} (nodedir ${nodedir}).`,
    'Fix: install a C++17 compiler and make (apt-get install -y g++ make python3) and libdnnl-dev, then `npm run build`.',
  ]);
}
