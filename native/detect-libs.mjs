// Finds the optional image libraries that ImageDecoder links (JPEG, PNG, TIFF, WebP, JPEG 2000, BMP/PNM) and
// prints what binding.gyp needs: `node detect-libs.mjs defines|cflags|libs|any`, or `summary` for people.
// Each library found adds ONNXFLEET_HAVE_<NAME>; a missing one only disables its format (ImageDecoder then
// names the Debian package to install). pkg-config is asked first, then the usual include/lib folders.
// ONNXFLEET_IMAGE_LIBS=none (or a comma list such as jpeg,png) limits what is used.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const IMAGE_LIBS = [
  {
    key: 'jpeg',
    define: 'ONNXFLEET_HAVE_LIBJPEG',
    pc: ['libjpeg'],
    header: 'jpeglib.h',
    lib: 'jpeg',
    apt: 'libjpeg-dev',
  },
  {
    key: 'png',
    define: 'ONNXFLEET_HAVE_LIBPNG',
    pc: ['libpng16', 'libpng'],
    header: 'png.h',
    lib: 'png',
    apt: 'libpng-dev',
  },
  {
    key: 'tiff',
    define: 'ONNXFLEET_HAVE_LIBTIFF',
    pc: ['libtiff-4'],
    header: 'tiffio.h',
    lib: 'tiff',
    apt: 'libtiff-dev',
  },
  {
    key: 'webp',
    define: 'ONNXFLEET_HAVE_LIBWEBP',
    pc: ['libwebp'],
    header: 'webp/decode.h',
    lib: 'webp',
    apt: 'libwebp-dev',
  },
  {
    key: 'openjpeg',
    define: 'ONNXFLEET_HAVE_OPENJPEG',
    pc: ['libopenjp2'],
    header: 'openjpeg.h',
    headerDirPrefix: 'openjpeg-',
    lib: 'openjp2',
    apt: 'libopenjp2-7-dev',
  },
  {
    key: 'stb',
    define: 'ONNXFLEET_HAVE_STB_IMAGE',
    pc: ['stb'],
    header: 'stb_image.h',
    headerDirPrefix: 'stb',
    lib: 'stb',
    apt: 'libstb-dev',
  },
];

function subdirs(root) {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(root, e.name));
  } catch {
    return [];
  }
}
const multiarch = (root) => [root, ...subdirs(root).filter((d) => d.endsWith('-linux-gnu'))];
// The compiler's own include folders: never passed as -I (that would reorder the system headers).
const systemIncludes = multiarch('/usr/include');
const includeRoots = [...systemIncludes, '/usr/local/include'];
const libRoots = ['/usr/lib', '/usr/local/lib', '/lib', '/usr/lib64'].flatMap(multiarch);

function pkgConfig(args) {
  try {
    return execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

// Without pkg-config: the header (directly or in a folder such as openjpeg-2.5/) and lib<name>.so or .a.
function findByPath(l) {
  let incDir;
  for (const root of includeRoots) {
    if (existsSync(join(root, l.header))) incDir = root;
    else if (l.headerDirPrefix) {
      const d = subdirs(root).find(
        (p) => p.split('/').pop().startsWith(l.headerDirPrefix) && existsSync(join(p, l.header)),
      );
      if (d) incDir = d;
    }
    if (incDir) break;
  }
  if (!incDir) return undefined;
  const hasLib = libRoots.some(
    (d) => existsSync(join(d, `lib${l.lib}.so`)) || existsSync(join(d, `lib${l.lib}.a`)),
  );
  if (!hasLib) return undefined;
  return { cflags: includeRoots.includes(incDir) ? [] : [`-I${incDir}`], libs: [`-l${l.lib}`] };
}

function detect(l) {
  for (const name of l.pc) {
    if (pkgConfig(['--exists', name]) === undefined) continue;
    const cflags = pkgConfig(['--cflags', name]);
    const libs = pkgConfig(['--libs', name]);
    const keep = (f) => !(f.startsWith('-I') && systemIncludes.includes(f.slice(2)));
    if (libs) return { cflags: cflags ? cflags.split(/\s+/).filter(keep) : [], libs: libs.split(/\s+/) };
  }
  return findByPath(l);
}

export function detectImageLibs(env = process.env) {
  const only = env.ONNXFLEET_IMAGE_LIBS;
  const allowed = only === undefined || only === '' || only === 'all' ? undefined : new Set(only.split(','));
  return IMAGE_LIBS.map((l) => ({ ...l, found: allowed && !allowed.has(l.key) ? undefined : detect(l) }));
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const found = detectImageLibs().filter((l) => l.found);
  const uniq = (xs) => [...new Set(xs)];
  const what = process.argv[2] ?? 'summary';
  if (what === 'defines') console.log(found.map((l) => l.define).join(' '));
  else if (what === 'cflags') console.log(uniq(found.flatMap((l) => l.found.cflags)).join(' '));
  else if (what === 'libs') console.log(uniq(found.flatMap((l) => l.found.libs)).join(' '));
  else if (what === 'any') console.log(found.length > 0 ? '1' : '0');
  else {
    for (const l of detectImageLibs()) {
      console.log(
        `${l.key.padEnd(9)} ${l.found ? 'found  ' + l.found.libs.join(' ') : 'missing (apt-get install ' + l.apt + ')'}`,
      );
    }
  }
}
