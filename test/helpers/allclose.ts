// Elementwise closeness of two outputs, numpy-style: |actual - expected| <= atol + rtol * |expected|.

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** What both our Tensor and onnxruntime's Tensor look like to a comparison. */
export interface TensorLike {
  type: string;
  dims: readonly number[];
  data: unknown;
}

export interface CloseReport {
  /** Undefined when every element is within tolerance (and type and shape match). */
  failure?: string;
  maxAbsDiff: number;
  mismatches: number;
}

function numbers(t: TensorLike): ArrayLike<number> | undefined {
  const d = t.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Array.from(d, Number);
  if (ArrayBuffer.isView(d) && !(d instanceof DataView)) return d as unknown as ArrayLike<number>;
  return undefined;
}

/**
 * The tolerance with atol shrunk to the output's scale when its largest |value| is below 1: some benchmark
 * models (random weights) end with outputs near 1e-9 or 1e-14, where a fixed atol of 1e-5 would accept zeros.
 */
export function scaledTolerance(expected: TensorLike, tol: Tolerance): Tolerance {
  const e = numbers(expected);
  let maxAbs = 0;
  if (e) for (let i = 0; i < e.length; i++) maxAbs = Math.max(maxAbs, Math.abs(e[i]));
  return { rtol: tol.rtol, atol: tol.atol * Math.min(1, maxAbs) };
}

export function allclose(actual: TensorLike, expected: TensorLike, tol: Tolerance): CloseReport {
  if (actual.type !== expected.type) {
    return { failure: `type ${actual.type} != expected ${expected.type}`, maxAbsDiff: NaN, mismatches: -1 };
  }
  if (actual.dims.length !== expected.dims.length || actual.dims.some((d, i) => d !== expected.dims[i])) {
    return {
      failure: `dims [${actual.dims.join(', ')}] != expected [${expected.dims.join(', ')}]`,
      maxAbsDiff: NaN,
      mismatches: -1,
    };
  }
  const a = numbers(actual);
  const e = numbers(expected);
  if (!a || !e || a.length !== e.length) {
    return { failure: `cannot compare data of type ${actual.type}`, maxAbsDiff: NaN, mismatches: -1 };
  }
  let maxAbsDiff = 0;
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < e.length; i++) {
    const x = a[i];
    const y = e[i];
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    const diff = Math.abs(x - y);
    if (!(diff <= maxAbsDiff)) maxAbsDiff = Number.isNaN(diff) ? Infinity : diff;
    if (!(diff <= tol.atol + tol.rtol * Math.abs(y))) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  if (mismatches === 0) return { maxAbsDiff, mismatches };
  const failure =
    `${mismatches} of ${e.length} elements differ (rtol ${tol.rtol}, atol ${tol.atol.toExponential(2)}); ` +
    `first at index ${first}: got ${a[first]}, expected ${e[first]}; max abs diff ${maxAbsDiff}`;
  return { failure, maxAbsDiff, mismatches };
}
