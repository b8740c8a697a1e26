// Engine tensors <-> wire tensors: ONNX dtype code, dims, raw little-endian bytes (no copy where alignment
// allows). Validation here is what turns a malformed tensor from the network into a BAD_INPUT error.
import { endianness } from 'node:os';
import { byteLength, typeCode, typeName, viewAs, type TensorType } from '../engine/dtype.js';
import { Tensor } from '../engine/tensor.js';
import { BadInputError } from './errors.js';

export interface WireTensor {
  name: string;
  dtype: number;
  dims: number[];
  data: Uint8Array;
  strings?: Uint8Array[];
}

if (endianness() !== 'LE') {
  throw new Error(
    'onnxfleet: the wire format carries little-endian tensors; big-endian hosts are not supported',
  );
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function tensorToWire(name: string, t: Tensor): WireTensor {
  if (t.type === 'string') {
    return {
      name,
      dtype: typeCode('string'),
      dims: [...t.dims],
      data: new Uint8Array(0),
      strings: (t.data as string[]).map((s) => utf8.encode(s)),
    };
  }
  const a = t.data as ArrayBufferView;
  return {
    name,
    dtype: typeCode(t.type),
    dims: [...t.dims],
    data: new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
  };
}

/**
 * Decodes and validates one wire tensor; `what` names it in errors (e.g. "input 'x' of model 'resnet'").
 * By default the data stays a view of the message where alignment allows; `own` copies it once into a buffer
 * of its own (which can then be moved to another thread without a second copy).
 */
export function tensorFromWire(w: WireTensor, what = `tensor '${w.name}'`, own = false): Tensor {
  let type: TensorType;
  try {
    type = typeName(w.dtype);
  } catch {
    throw new BadInputError(`${what}: unknown element type code ${w.dtype}`);
  }
  let elements = 1;
  for (const d of w.dims) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new BadInputError(`${what}: invalid dimension ${d} in [${w.dims.join(', ')}]`);
    elements *= d;
  }
  if (!Number.isSafeInteger(elements))
    throw new BadInputError(`${what}: dims [${w.dims.join(', ')}] are too large`);
  if (type === 'string') {
    const strings = w.strings ?? [];
    if (strings.length !== elements) {
      throw new BadInputError(
        `${what}: ${strings.length} strings for string[${w.dims.join(', ')}] (expected ${elements})`,
      );
    }
    return new Tensor(
      'string',
      strings.map((s) => fromUtf8.decode(s)),
      w.dims,
    );
  }
  const expected = byteLength(type, elements);
  if (w.data.byteLength !== expected) {
    throw new BadInputError(
      `${what}: ${w.data.byteLength} bytes of data for ${type}[${w.dims.join(', ')}] (expected ${expected})`,
    );
  }
  return new Tensor(type, viewAs(type, own ? Uint8Array.prototype.slice.call(w.data) : w.data), w.dims);
}

/** Total payload bytes of some wire tensors (what a message will roughly weigh). */
export function wireBytes(tensors: readonly WireTensor[]): number {
  let n = 0;
  for (const t of tensors) {
    n += t.data.byteLength;
    for (const s of t.strings ?? []) n += s.byteLength;
  }
  return n;
}

export function describeWire(t: WireTensor): string {
  let type: string;
  try {
    type = typeName(t.dtype);
  } catch {
    type = `dtype#${t.dtype}`;
  }
  return `${t.name}: ${type}[${t.dims.join(', ')}]`;
}
