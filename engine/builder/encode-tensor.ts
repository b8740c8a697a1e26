// Tensor -> TensorProto fields: element bytes go to raw_data, little-endian, whatever the host's byte order.
import { endianness } from 'node:os';
import { typeCode } from '../dtype.js';
import { Tensor } from '../tensor.js';

const utf8 = new TextEncoder();
const hostIsLittleEndian = endianness() === 'LE';

/** The element bytes of a typed array in little-endian order (a copy, so the proto owns its bytes). */
export function littleEndianBytes(data: ArrayBufferView & { BYTES_PER_ELEMENT: number }): Uint8Array {
  const bytes = new Uint8Array(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)); // a copy
  const width = data.BYTES_PER_ELEMENT;
  if (!hostIsLittleEndian && width > 1) {
    for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  }
  return bytes;
}

/** A plain object that protobufjs encodes as onnx.TensorProto. */
export function tensorProtoOf(name: string, t: Tensor): Record<string, unknown> {
  const proto: Record<string, unknown> = { name, dims: [...t.dims], data_type: typeCode(t.type) };
  if (t.type === 'string') proto.string_data = (t.data as string[]).map((s) => utf8.encode(s));
  else proto.raw_data = littleEndianBytes(t.data as Exclude<Tensor['data'], string[]>);
  return proto;
}
