// Stacking requests along dim 0 into one engine run and splitting the outputs back.
import { Tensor, type TensorData } from '../engine/tensor.js';
import type { PoolTensor } from './pool/tasks.js';

type Feeds = Record<string, Tensor>;

/** Requests can share a run when every input has the same name, type and dims after the first. */
export function batchKey(feeds: Feeds): string {
  return Object.keys(feeds)
    .sort()
    .map((n) => `${n}:${feeds[n].type}:${feeds[n].dims.slice(1).join('x')}`)
    .join('|');
}

function ownedCopy(data: TensorData): TensorData {
  if (Array.isArray(data)) return [...data];
  const view = data as Exclude<TensorData, string[]>;
  // A view that spans its whole buffer can be moved to the pool thread as is.
  if (
    view.byteOffset === 0 &&
    view.byteLength === view.buffer.byteLength &&
    view.buffer instanceof ArrayBuffer
  )
    return view;
  return view.slice() as TensorData;
}

/** One request's feeds as pool tensors whose buffers the pool may take over. */
export function poolInputs(feeds: Feeds): PoolTensor[] {
  return Object.entries(feeds).map(([name, t]) => ({
    name,
    type: t.type,
    dims: [...t.dims],
    data: ownedCopy(t.data),
  }));
}

/** The feeds of several compatible requests stacked along dim 0. */
export function stackInputs(all: Feeds[]): PoolTensor[] {
  const first = all[0];
  return Object.keys(first).map((name) => {
    const parts = all.map((f) => f[name]);
    const rows = parts.reduce((n, t) => n + t.dims[0], 0);
    const dims = [rows, ...first[name].dims.slice(1)];
    if (first[name].type === 'string') {
      return { name, type: 'string', dims, data: parts.flatMap((t) => t.data as string[]) };
    }
    const src = parts.map((t) => t.data as Exclude<TensorData, string[]>);
    const Ctor = src[0].constructor as new (n: number) => Exclude<TensorData, string[]>;
    const out = new Ctor(src.reduce((n, a) => n + a.length, 0));
    let offset = 0;
    for (const a of src) {
      (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(a, offset);
      offset += a.length;
    }
    return { name, type: first[name].type, dims, data: out };
  });
}

/** Splits stacked outputs back into per-request outputs; undefined if an output is not stacked along dim 0. */
export function splitOutputs(outputs: PoolTensor[], rows: number[]): Feeds[] | undefined {
  const total = rows.reduce((a, b) => a + b, 0);
  if (!outputs.every((o) => o.dims.length > 0 && o.dims[0] === total)) return undefined;
  const result: Feeds[] = rows.map(() => ({}));
  for (const o of outputs) {
    const perRow = o.data.length / Math.max(total, 1);
    let start = 0;
    rows.forEach((r, i) => {
      const data = (o.data as { slice(a: number, b: number): TensorData }).slice(
        start * perRow,
        (start + r) * perRow,
      );
      result[i][o.name] = new Tensor(o.type, data, [r, ...o.dims.slice(1)]);
      start += r;
    });
  }
  return result;
}

export function fromPool(outputs: PoolTensor[]): Feeds {
  const out: Feeds = {};
  for (const o of outputs) out[o.name] = new Tensor(o.type, o.data, o.dims);
  return out;
}
