// The Tensor of the public API, shaped like onnxruntime-node's so code moves over by changing the import.
import { arrayTypeOf, storageLength, type TensorType, type TypedArray, typeOfArray } from './dtype.js';

export type TensorData = TypedArray | string[];

function shapeSize(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`invalid dimension ${d} in dims [${dims.join(', ')}]`);
    n *= d;
  }
  return n;
}

export class Tensor {
  readonly type: TensorType;
  readonly data: TensorData;
  readonly dims: readonly number[];
  readonly size: number;
  readonly location = 'cpu' as const;

  constructor(
    type: TensorType | `${TensorType}`,
    data: TensorData | readonly number[] | readonly boolean[] | readonly bigint[],
    dims?: readonly number[],
  );
  constructor(data: TensorData | readonly boolean[], dims?: readonly number[]);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    let type: TensorType;
    let data: unknown;
    let dims: readonly number[] | undefined;
    if (typeof a === 'string') {
      type = a as TensorType;
      data = b;
      dims = c as readonly number[] | undefined;
    } else {
      data = a;
      dims = b as readonly number[] | undefined;
      const inferred = Array.isArray(data)
        ? data.every((x) => typeof x === 'string')
          ? 'string'
          : data.every((x) => typeof x === 'boolean')
            ? 'bool'
            : undefined
        : typeOfArray(data);
      if (!inferred)
        throw new TypeError('Tensor: cannot infer the type of the data; pass the type explicitly');
      type = inferred;
    }
    const storage = type === 'string' ? undefined : arrayTypeOf(type);
    if (type !== 'string' && !storage) throw new TypeError(`Tensor: unsupported type '${type}'`);
    this.type = type;
    this.data = Tensor.coerce(type, data);
    const count = type === 'string' ? this.data.length : undefined;
    this.dims = Object.freeze([...(dims ?? [count ?? elementsOf(type, this.data)])]);
    this.size = shapeSize(this.dims);
    const expected = storageLength(type, this.size);
    if (this.data.length !== expected) {
      throw new RangeError(
        `Tensor: ${this.data.length} data items do not match ${type}[${this.dims.join(', ')}] (expected ${expected})`,
      );
    }
  }

  private static coerce(type: TensorType, data: unknown): TensorData {
    if (type === 'string') {
      if (!Array.isArray(data) || !data.every((s) => typeof s === 'string')) {
        throw new TypeError('Tensor: a string tensor takes an array of strings');
      }
      return data as string[];
    }
    const ctor = arrayTypeOf(type)!;
    if (ArrayBuffer.isView(data)) {
      if (data instanceof ctor) return data as TypedArray;
      if (type === 'bool' && data instanceof Uint8Array) return data;
      throw new TypeError(`Tensor: ${type} data must be a ${ctor.name}, got ${data.constructor.name}`);
    }
    if (Array.isArray(data)) {
      if (ctor === BigInt64Array || ctor === BigUint64Array) {
        return (ctor as typeof BigInt64Array).from(data.map((v) => BigInt(v)));
      }
      if (type === 'bool') return Uint8Array.from(data, (v) => (v ? 1 : 0));
      return (ctor as unknown as { from(d: ArrayLike<number>): TypedArray }).from(data.map(Number));
    }
    throw new TypeError(`Tensor: data must be a typed array or an array, got ${typeof data}`);
  }

  /** Mirrors onnxruntime-node: CPU tensors hold their data already. */
  async getData(): Promise<TensorData> {
    return this.data;
  }

  dispose(): void {}

  reshape(dims: readonly number[]): Tensor {
    return new Tensor(this.type, this.data, dims);
  }
}

function elementsOf(type: TensorType, data: TensorData): number {
  const perItem = storageLength(type, 1);
  return perItem >= 1 ? data.length / perItem : data.length * Math.round(1 / perItem);
}
