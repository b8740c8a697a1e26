// Element types: ONNX enum values, the names used at the API (onnxruntime-node's where it has one), and storage.

export const DataType = {
  undefined: 0,
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  complex64: 14,
  complex128: 15,
  bfloat16: 16,
  float8e4m3fn: 17,
  float8e4m3fnuz: 18,
  float8e5m2: 19,
  float8e5m2fnuz: 20,
  uint4: 21,
  int4: 22,
  float4e2m1: 23,
  float8e8m0: 24,
  uint2: 25,
  int2: 26,
} as const;

export type TensorType = Exclude<keyof typeof DataType, 'undefined'>;

const byCode = new Map<number, TensorType>(
  Object.entries(DataType)
    .filter(([k]) => k !== 'undefined')
    .map(([k, v]) => [v, k as TensorType]),
);

/** Types whose elements read as plain JS numbers or bigints (no packing, no raw-bit floats, no strings). */
export const PLAIN_NUMERIC_TYPES: ReadonlySet<TensorType> = new Set<TensorType>([
  'float32',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
]);

export function typeName(code: number): TensorType {
  const t = byCode.get(code);
  if (!t) throw new RangeError(`unknown ONNX element type ${code}`);
  return t;
}

export function typeCode(name: string): number {
  const code = (DataType as Record<string, number>)[name];
  if (code === undefined || code === 0) throw new TypeError(`unknown tensor type '${name}'`);
  return code;
}

/** Bits per element; sub-byte types pack several elements per byte, lowest bits first. */
export function typeBits(t: TensorType): number {
  switch (t) {
    case 'bool':
    case 'uint8':
    case 'int8':
    case 'float8e4m3fn':
    case 'float8e4m3fnuz':
    case 'float8e5m2':
    case 'float8e5m2fnuz':
    case 'float8e8m0':
      return 8;
    case 'uint16':
    case 'int16':
    case 'float16':
    case 'bfloat16':
      return 16;
    case 'float32':
    case 'int32':
    case 'uint32':
      return 32;
    case 'float64':
    case 'int64':
    case 'uint64':
    case 'complex64':
      return 64;
    case 'complex128':
      return 128;
    case 'uint4':
    case 'int4':
    case 'float4e2m1':
      return 4;
    case 'uint2':
    case 'int2':
      return 2;
    case 'string':
      return 0;
  }
}

export function byteLength(t: TensorType, elements: number): number {
  return Math.ceil((elements * typeBits(t)) / 8);
}

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

type ArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  BYTES_PER_ELEMENT: number;
};

/** The typed array a tensor of type t is stored in (raw bits for float16/bfloat16/float8, packed bytes for sub-byte types). */
export function arrayTypeOf(t: TensorType): ArrayCtor | undefined {
  switch (t) {
    case 'float32':
      return Float32Array;
    case 'float64':
      return Float64Array;
    case 'int8':
      return Int8Array;
    case 'int16':
      return Int16Array;
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return Uint16Array;
    case 'int32':
      return Int32Array;
    case 'uint32':
      return Uint32Array;
    case 'int64':
      return BigInt64Array;
    case 'uint64':
      return BigUint64Array;
    case 'complex64':
      return Float32Array;
    case 'complex128':
      return Float64Array;
    case 'string':
      return undefined;
    default:
      return Uint8Array; // uint8, bool, float8 variants, 4- and 2-bit packed types
  }
}

/** Number of typed-array items holding `elements` elements of t. */
export function storageLength(t: TensorType, elements: number): number {
  const ctor = arrayTypeOf(t);
  if (!ctor) return elements;
  if (t === 'complex64' || t === 'complex128') return elements * 2;
  return byteLength(t, elements) / ctor.BYTES_PER_ELEMENT;
}

/** Views `bytes` (little-endian element data) as the typed array of type t, copying only if misaligned. */
export function viewAs(t: TensorType, bytes: Uint8Array): TypedArray {
  const ctor = arrayTypeOf(t);
  if (!ctor) throw new TypeError(`type ${t} has no typed-array storage`);
  if (ctor === Uint8Array) return bytes;
  const n = bytes.byteLength / ctor.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % ctor.BYTES_PER_ELEMENT === 0) return new ctor(bytes.buffer, bytes.byteOffset, n);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new ctor(copy.buffer, 0, n);
}

/** Infers the tensor type of a typed array the way onnxruntime-node does. */
export function typeOfArray(data: unknown): TensorType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  if (data instanceof Uint8ClampedArray) return 'uint8';
  return undefined;
}
