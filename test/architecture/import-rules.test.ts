// DESIGN.md §1 import rules, checked on every TypeScript file of the product folders.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['engine', 'protocol', 'client', 'worker', 'coordinator', 'observability', 'cli'];

interface Import {
  file: string;
  /** Top folder of the target for relative imports, or the package name. */
  target: string;
  typeOnly: boolean;
  relative: boolean;
  spec: string;
}

function files(dir: string): string[] {
  let out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (/\.(ts|mts|mjs)$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): Import[] {
  const src = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const re =
    /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of src.matchAll(re)) {
    const spec = m[3] ?? m[4];
    const typeOnly = Boolean(m[2]);
    if (spec.startsWith('.')) {
      const target = relative(ROOT, resolve(dirname(file), spec)).split('/')[0];
      out.push({ file: relative(ROOT, file), target, typeOnly, relative: true, spec });
    } else {
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      out.push({ file: relative(ROOT, file), target: pkg, typeOnly, relative: false, spec });
    }
  }
  return out;
}

const all = FOLDERS.flatMap((f) =>
  files(join(ROOT, f)).map((file) => ({ folder: f, imports: importsOf(file) })),
);

function violations(folder: string, bad: (i: Import) => boolean): string[] {
  return all
    .filter((f) => f.folder === folder)
    .flatMap((f) => f.imports.filter(bad).map((i) => `${i.file} imports '${i.spec}'`));
}

test('the product folders were found', (t) => {
  t.true(all.filter((f) => f.folder === 'engine').length > 20);
  t.true(all.filter((f) => f.folder === 'worker').length > 5);
});

test('engine/ imports nothing from the cluster, the CLI or observability', (t) => {
  const others = ['worker', 'coordinator', 'client', 'cli', 'protocol', 'observability'];
  t.deepEqual(
    violations(
      'engine',
      (i) =>
        (i.relative && others.includes(i.target)) ||
        i.target.startsWith('@opentelemetry') ||
        i.target.startsWith('@nats-io'),
    ),
    [],
  );
});

test('protocol/ imports only protobufjs, node built-ins and the engine tensor types', (t) => {
  t.deepEqual(
    violations('protocol', (i) =>
      i.relative
        ? !(i.target === 'protocol' || /engine\/(dtype|tensor)\.js$/.test(i.spec))
        : !(i.target === 'protobufjs' || i.target.startsWith('node:')),
    ),
    [],
  );
});

test('worker/ and coordinator/ never import each other', (t) => {
  t.deepEqual(
    violations('worker', (i) => i.relative && i.target === 'coordinator'),
    [],
  );
  t.deepEqual(
    violations('coordinator', (i) => i.relative && i.target === 'worker'),
    [],
  );
});

test('observability/ imports only types from the other folders', (t) => {
  const others = ['engine', 'worker', 'coordinator', 'client', 'cli', 'protocol'];
  t.deepEqual(
    violations('observability', (i) => i.relative && others.includes(i.target) && !i.typeOnly),
    [],
  );
});

test('only engine/ loads the native addon', (t) => {
  const loaders = FOLDERS.filter((f) => f !== 'engine').flatMap((folder) =>
    files(join(ROOT, folder))
      .filter((file) => /['"][^'"]*\.node['"]|build\/Release|createRequire/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file)),
  );
  t.deepEqual(loaders, []);
});
