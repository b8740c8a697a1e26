// TensorProto -> TensorData: every storage field of the spec, external data confined to the model folder.
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { byteLength, type TensorType, typeName } from '../dtype.js';
import type { TensorData } from '../ir/types.js';
import { ModelLoadError } from '../errors.js';
import { toBigInt, toNumber } from './long.js';

export interface TensorDecodeContext {
  /** Folder that external data paths are resolved against and confined to; absent for in-memory models. */
  baseDir?: string;
  what: string; // e.g. "model 'x.onnx'", for error messages
}

const utf8 = new TextDecoder('utf-8');

/* eslint-disable @typescript-eslint/no-explicit-any */
export function tensorFromProto(p: any, ctx: TensorDecodeContext): TensorData {
  const name: string = p.name ?? '';
  const where = `${ctx.what}: tensor '${name}'`;
  const code = p.data_type ?? 0;
  let type: TensorType;
  try {
    type = typeName(code);
  } catch {
    throw new ModelLoadError(`${where}: unknown data_type ${code}`);
  }
  const dims: number[] = (p.dims ?? []).map((d: unknown) => toNumber(d, `${where} dims`));
  if (dims.some((d) => d < 0)) throw new ModelLoadError(`${where}: negative dimension in [${dims}]`);
  const count = dims.reduce((a, b) => a * b, 1);

  if (type === 'string') {
    const strings: string[] = (p.string_data ?? []).map((b: Uint8Array) => utf8.decode(b));
    if (strings.length !== count) {
      throw new ModelLoadError(`${where}: ${strings.length} strings for shape [${dims}]`);
    }
    return { name, type, dims, data: strings };
  }

  const expected = byteLength(type, count);
  let data: Uint8Array;
  if (p.data_location === 1) {
    data = readExternal(p, ctx, where);
  } else if (p.raw_data && p.raw_data.length > 0) {
    // protobufjs may return a view into the whole file buffer: keep offset and length, never take .buffer whole.
    data = new Uint8Array(p.raw_data.buffer, p.raw_data.byteOffset, p.raw_data.byteLength);
  } else {
    data = fromTypedFields(p, type, count, where);
  }
  if (data.byteLength !== expected) {
    throw new ModelLoadError(
      `${where}: ${data.byteLength} data bytes for ${type}[${dims}] (expected ${expected})`,
    );
  }
  return { name, type, dims, data };
}

function fromTypedFields(p: any, type: TensorType, count: number, where: string): Uint8Array {
  const bytes = (a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  switch (type) {
    case 'float32':
    case 'complex64':
      return bytes(Float32Array.from(p.float_data ?? []));
    case 'float64':
    case 'complex128':
      return bytes(Float64Array.from(p.double_data ?? []));
    case 'int64':
      return bytes(BigInt64Array.from((p.int64_data ?? []).map((v: unknown) => toBigInt(v))));
    case 'uint64':
      return bytes(BigUint64Array.from((p.uint64_data ?? []).map((v: unknown) => toBigInt(v, true))));
    case 'uint32':
      return bytes(Uint32Array.from((p.uint64_data ?? []).map((v: unknown) => Number(toBigInt(v, true)))));
    case 'int32':
      return bytes(Int32Array.from(p.int32_data ?? []));
    case 'int16':
      return bytes(Int16Array.from(p.int32_data ?? []));
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return bytes(Uint16Array.from(p.int32_data ?? []));
    case 'int8':
      return bytes(Int8Array.from(p.int32_data ?? []));
    default:
      // uint8, bool, float8 (one element per int32), and packed sub-byte types (one byte per int32).
      if (count > 0 && !(p.int32_data ?? []).length) throw new ModelLoadError(`${where}: no data`);
      return Uint8Array.from(p.int32_data ?? [], (v: number) => v & 0xff);
  }
}

function readExternal(p: any, ctx: TensorDecodeContext, where: string): Uint8Array {
  const entries = new Map<string, string>((p.external_data ?? []).map((e: any) => [e.key, e.value]));
  const location = entries.get('location');
  if (!location) throw new ModelLoadError(`${where}: external data without a 'location'`);
  if (!ctx.baseDir) {
    throw new ModelLoadError(
      `${where}: uses external data '${location}' but the model was given as bytes; load it from its file path`,
    );
  }
  const base = realpathSync(ctx.baseDir);
  const target = resolve(base, location);
  let real: string;
  try {
    real = realpathSync(target);
  } catch {
    real = target;
  }
  const rel = relative(base, real);
  if (isAbsolute(location) || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) {
    throw new ModelLoadError(
      `${where}: external data location '${location}' escapes the model folder ${base}; refusing to read it`,
    );
  }
  const offset = entries.has('offset') ? Number(entries.get('offset')) : 0;
  let fd: number;
  try {
    fd = openSync(real, 'r');
  } catch (e) {
    throw new ModelLoadError(`${where}: cannot open external data '${location}': ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const length = entries.has('length') ? Number(entries.get('length')) : size - offset;
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > size
    ) {
      throw new ModelLoadError(
        `${where}: external data range offset=${offset} length=${length} is outside '${location}' (${size} bytes)`,
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n <= 0) break;
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
