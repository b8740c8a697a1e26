// Files in and out of `onnxfleet batch`. Inputs: each source is a .npy file whose first dimension is split into
// items (item i keeps a leading dimension of 1), or a directory whose .npy files, in name order, are one item
// each (used as they are). Outputs: <dir>/<output>/<index>.npy per succeeded item, and <dir>/failed.jsonl with
// one line per failed item.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchItemOutcome } from '../client/index.js';
import { readNpy, Tensor, writeNpy } from '../engine/index.js';
import { CliError } from './fail.js';

/** The items one source yields, read lazily where the source allows. */
interface Source {
  count: number;
  item(index: number): Promise<Tensor>;
}

async function openSource(path: string, what: string): Promise<Source> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new CliError(`${what}: ${(e as Error).message}`, { cause: e });
  }
  const read = async (file: string) => {
    try {
      return await readNpy(file);
    } catch (e) {
      throw new CliError(`${what}: ${file}: ${(e as Error).message}`, { cause: e });
    }
  };
  if (isDir) {
    const files = (await readdir(path)).filter((f) => f.endsWith('.npy')).sort();
    if (!files.length) throw new CliError(`${what}: the directory ${path} holds no .npy files`);
    return { count: files.length, item: (i) => read(join(path, files[i])) };
  }
  const whole = await read(path);
  const n = whole.dims[0];
  if (whole.dims.length === 0 || n === 0) {
    throw new CliError(
      `${what}: ${path} has shape [${whole.dims.join(', ')}]; its first dimension is split into items`,
    );
  }
  const per = whole.data.length / n;
  if (!Number.isInteger(per))
    throw new CliError(`${what}: ${path}: ${whole.type} data cannot be split per item`);
  const rest = whole.dims.slice(1);
  return {
    count: n,
    item: async (i) =>
      new Tensor(
        whole.type,
        Array.isArray(whole.data)
          ? whole.data.slice(i * per, (i + 1) * per)
          : (whole.data as Float32Array).subarray(i * per, (i + 1) * per),
        [1, ...rest],
      ),
  };
}

/**
 * The items of `sources` (input name -> paths, concatenated in order) as feeds; every input must yield the same
 * number of items. Returns the count and a lazy iterable.
 */
export async function batchItems(
  sources: ReadonlyMap<string, readonly string[]>,
): Promise<{ count: number; items: AsyncIterable<Record<string, Tensor>> }> {
  const inputs: { name: string; parts: Source[]; count: number }[] = [];
  for (const [name, paths] of sources) {
    const parts = [];
    for (const p of paths) parts.push(await openSource(p, `--inputs ${name}=${p}`));
    inputs.push({ name, parts, count: parts.reduce((n, s) => n + s.count, 0) });
  }
  const count = inputs[0]?.count ?? 0;
  const odd = inputs.find((i) => i.count !== count);
  if (odd) {
    throw new CliError(
      `input '${odd.name}' has ${odd.count} items but '${inputs[0].name}' has ${count}; every input needs one per item`,
    );
  }
  async function* items() {
    const cursors = inputs.map(() => ({ part: 0, at: 0 }));
    for (let i = 0; i < count; i++) {
      const feeds: Record<string, Tensor> = {};
      for (const [k, input] of inputs.entries()) {
        const c = cursors[k];
        while (c.at >= input.parts[c.part].count) {
          c.part++;
          c.at = 0;
        }
        feeds[input.name] = await input.parts[c.part].item(c.at++);
      }
      yield feeds;
    }
  }
  return { count, items: items() };
}

/** Writes a batch's outcomes under `dir`; returns how many succeeded and failed. */
export async function writeBatchResults(
  results: AsyncIterable<BatchItemOutcome>,
  dir: string,
  total: number,
): Promise<{ succeeded: number; failed: number }> {
  await mkdir(dir, { recursive: true });
  const width = String(Math.max(0, total - 1)).length;
  const failedLog = createWriteStream(join(dir, 'failed.jsonl'));
  const made = new Set<string>();
  let succeeded = 0;
  let failed = 0;
  try {
    for await (const r of results) {
      if (r.state !== 'SUCCEEDED' || !r.outputs) {
        failed++;
        const line = { index: r.index, code: r.error?.code, message: r.error?.message };
        if (!failedLog.write(`${JSON.stringify(line)}\n`))
          await new Promise<void>((ok) => failedLog.once('drain', () => ok()));
        continue;
      }
      succeeded++;
      for (const [name, tensor] of Object.entries(r.outputs)) {
        const sub = join(dir, name.replace(/[^A-Za-z0-9._-]/g, '_'));
        if (!made.has(sub)) {
          await mkdir(sub, { recursive: true });
          made.add(sub);
        }
        await writeNpy(join(sub, `${String(r.index).padStart(width, '0')}.npy`), tensor);
      }
    }
  } finally {
    await new Promise<void>((resolve) => failedLog.end(() => resolve()));
  }
  return { succeeded, failed };
}
