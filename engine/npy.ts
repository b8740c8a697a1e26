// NumPy .npy files <-> Tensor: format versions 1.0, 2.0 and 3.0, little-endian, C order.
// Format: "\x93NUMPY", major, minor, header length (u16 in v1, u32 in v2/v3), a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces to a 64-byte boundary, then data.
import { readFile, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { arrayTypeOf, type TensorType, type TypedArray } from './dtype.js';
import { Tensor } from './tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy dtype code (kind + item size) <-> tensor type. */
const TYPE_OF_DESCR: Record<string, TensorType> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};
const DESCR_OF_TYPE = new Map(Object.entries(TYPE_OF_DESCR).map(([d, t]) => [t, d]));

export class NpyFormatError extends Error {
  override readonly name = 'NpyFormatError';
}

const hostIsLittleEndian = endianness() === 'LE';

function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width > 1) for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

function parseHeader(text: string, what: string): NpyHeader {
  const field = (key: string) => new RegExp(`['"]${key}['"]\\s*:\\s*`).exec(text);
  const descrAt = field('descr');
  const descr = descrAt && /^['"]([^'"]*)['"]/.exec(text.slice(descrAt.index + descrAt[0].length));
  if (!descr) {
    const structured = descrAt && text.slice(descrAt.index + descrAt[0].length).startsWith('[');
    throw new NpyFormatError(
      `${what}: ${structured ? 'structured dtypes are not supported' : "header has no 'descr'"}`,
    );
  }
  const fortranAt = field('fortran_order');
  const fortran = fortranAt && /^(True|False)/.exec(text.slice(fortranAt.index + fortranAt[0].length));
  if (!fortran) throw new NpyFormatError(`${what}: header has no 'fortran_order'`);
  const shapeAt = field('shape');
  const shape = shapeAt && /^\(([^)]*)\)/.exec(text.slice(shapeAt.index + shapeAt[0].length));
  if (!shape) throw new NpyFormatError(`${what}: header has no 'shape' tuple`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const d = /^\d+L?$/.test(s) ? Number.parseInt(s, 10) : NaN; // 'L': Python 2 longs in old files
      if (!Number.isSafeInteger(d))
        throw new NpyFormatError(`${what}: bad dimension '${s}' in shape (${shape[1]})`);
      return d;
    });
  return { descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims };
}

/** Decodes a .npy file into a Tensor (a copy of the data, so it is aligned whatever the source buffer). */
export function decodeNpy(bytes: Uint8Array, what = 'npy data'): Tensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyFormatError(`${what}: not a .npy file (the magic string \\x93NUMPY is missing)`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyFormatError(`${what}: truncated header`);
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new NpyFormatError(`${what}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new NpyFormatError(`${what}: truncated header`);
  // v1/v2 headers are latin1, v3 headers utf8; the dict itself is always ASCII in practice.
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, dataStart),
  );
  const header = parseHeader(text, what);
  if (header.fortranOrder) {
    throw new NpyFormatError(
      `${what}: fortran_order arrays are not supported; save with np.ascontiguousarray(a)`,
    );
  }

  const order = header.descr[0];
  const code = '<>|='.includes(order) ? header.descr.slice(1) : header.descr;
  const type = TYPE_OF_DESCR[code];
  if (!type) {
    throw new NpyFormatError(
      `${what}: unsupported dtype '${header.descr}'; supported: ${Object.keys(TYPE_OF_DESCR).join(' ')}`,
    );
  }
  const width = arrayTypeOf(type)!.BYTES_PER_ELEMENT;
  const bigEndian = order === '>' || (order === '=' && !hostIsLittleEndian);
  if (bigEndian && width > 1) {
    throw new NpyFormatError(
      `${what}: big-endian dtype '${header.descr}' is not supported; save with a.astype('<${code}')`,
    );
  }

  const count = header.shape.reduce((a, b) => a * b, 1);
  const byteLength = count * width;
  if (bytes.length - dataStart < byteLength) {
    throw new NpyFormatError(
      `${what}: ${bytes.length - dataStart} data bytes for ${header.descr} shape (${header.shape.join(', ')}), expected ${byteLength}`,
    );
  }
  // A copy (Buffer.slice would share memory), so the typed array below starts at offset 0 and is aligned.
  const data = new Uint8Array(bytes.subarray(dataStart, dataStart + byteLength));
  if (!hostIsLittleEndian) swapInPlace(data, width);
  const ctor = arrayTypeOf(type)!;
  return new Tensor(type, new ctor(data.buffer, 0, count), header.shape);
}

function shapeTuple(dims: readonly number[]): string {
  if (dims.length === 1) return `(${dims[0]},)`;
  return `(${dims.join(', ')})`;
}

/** Encodes a Tensor as a .npy file (format 1.0, or 2.0 if the header is huge), little-endian, C order. */
export function encodeNpy(tensor: Tensor): Uint8Array {
  const code = DESCR_OF_TYPE.get(tensor.type);
  if (!code) {
    throw new NpyFormatError(
      `cannot write a ${tensor.type} tensor as .npy; supported: ${[...DESCR_OF_TYPE.keys()].join(', ')}`,
    );
  }
  const descr = `${code.endsWith('1') ? '|' : '<'}${code}`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeTuple(tensor.dims)}, }`;
  // Pad with spaces so the data starts on a 64-byte boundary; the header ends with '\n'.
  let major = 1;
  let prefix = 10;
  let padded = dict.length + 1;
  padded += (64 - ((prefix + padded) % 64)) % 64;
  if (padded > 0xffff) {
    major = 2;
    prefix = 12;
    padded = dict.length + 1;
    padded += (64 - ((prefix + padded) % 64)) % 64;
  }
  const header = dict + ' '.repeat(padded - dict.length - 1) + '\n';
  const data = tensor.data as TypedArray;
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(prefix + padded + body.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, padded, true);
  else view.setUint32(8, padded, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(body, prefix + padded);
  if (!hostIsLittleEndian) swapInPlace(out.subarray(prefix + padded), data.BYTES_PER_ELEMENT);
  return out;
}

export async function readNpy(path: string): Promise<Tensor> {
  return decodeNpy(await readFile(path), `'${path}'`);
}

export async function writeNpy(path: string, tensor: Tensor): Promise<void> {
  await writeFile(path, encodeNpy(tensor));
}
