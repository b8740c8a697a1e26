// Seeded random inputs shaped from a model's input metadata, with values a real model accepts.
import { mulberry32, Tensor, type TensorType, type ValueMetadata } from '../engine/index.js';
import { CliError } from './fail.js';
import { numberToFloat16 } from './float16.js';

export interface RandomShapeOptions {
  /** Size for the batch dimension (a symbolic or unknown first dimension, or one named like 'batch'). */
  batch: number;
  /** Sizes for named symbolic dimensions (--dim NAME=SIZE); others are 1. */
  dims: Record<string, number>;
}

/** Integer ids are drawn below this: safe for any embedding table a real model has. */
const MAX_RANDOM_ID = 100;

export function randomShape(meta: ValueMetadata, options: RandomShapeOptions): number[] {
  return (meta.shape ?? []).map((d, axis) => {
    if (typeof d === 'number') return d;
    if (typeof d === 'string' && d in options.dims) return options.dims[d];
    if (axis === 0 || (typeof d === 'string' && /batch/i.test(d))) return options.batch;
    return 1;
  });
}

/** How an integer input is filled, guessed from its name (BERT-style models name their inputs this way). */
function integerRole(name: string): 'ones' | 'zeros' | 'positions' | 'ids' {
  if (/mask/i.test(name)) return 'ones';
  if (/token_type|segment/i.test(name)) return 'zeros';
  if (/position/i.test(name)) return 'positions';
  return 'ids';
}

function integerValues(name: string, dims: number[], count: number, random: () => number): number[] {
  const role = integerRole(name);
  const last = dims.length ? Math.max(1, dims[dims.length - 1]) : 1;
  return Array.from({ length: count }, (_, i) => {
    if (role === 'ones') return 1;
    if (role === 'zeros') return 0;
    if (role === 'positions') return i % last;
    return Math.floor(random() * MAX_RANDOM_ID);
  });
}

export function randomTensor(meta: ValueMetadata, dims: number[], seed: number): Tensor {
  if (!meta.isTensor || !meta.type) {
    throw new CliError(
      `input '${meta.name}' is a ${meta.type ?? 'non-tensor'} value; pass it with --input ${meta.name}=FILE.npy`,
    );
  }
  const random = mulberry32(seed);
  const count = dims.reduce((a, b) => a * b, 1);
  const uniform = () => random() * 2 - 1;
  const type = meta.type as TensorType;
  switch (type) {
    case 'float32':
      return new Tensor(type, Float32Array.from({ length: count }, uniform), dims);
    case 'float64':
      return new Tensor(type, Float64Array.from({ length: count }, uniform), dims);
    case 'float16':
      return new Tensor(
        type,
        Uint16Array.from({ length: count }, () => numberToFloat16(uniform())),
        dims,
      );
    case 'bool':
      return new Tensor(
        type,
        Uint8Array.from({ length: count }, () => (/mask/i.test(meta.name) ? 1 : random() < 0.5 ? 1 : 0)),
        dims,
      );
    case 'int8':
    case 'uint8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
      return new Tensor(type, integerValues(meta.name, dims, count, random), dims);
    case 'int64':
    case 'uint64':
      return new Tensor(type, integerValues(meta.name, dims, count, random).map(BigInt), dims);
    default:
      throw new CliError(
        `cannot make random ${type} values for input '${meta.name}'; pass --input ${meta.name}=FILE.npy`,
      );
  }
}
