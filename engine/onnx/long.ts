// protobufjs hands int64 fields back as numbers or Long objects; the engine uses bigint.
interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

export function toBigInt(v: unknown, unsigned = false): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    const l = v as LongLike;
    const bits = (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
    return unsigned ? BigInt.asUintN(64, bits) : BigInt.asIntN(64, bits);
  }
  return 0n;
}

/** An int64 used as a size or count: must fit a safe JS number. */
export function toNumber(v: unknown, what: string): number {
  const b = toBigInt(v);
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what}: ${b} does not fit a safe integer`);
  }
  return Number(b);
}
