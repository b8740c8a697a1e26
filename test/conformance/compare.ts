// Output comparison by the ONNX backend-test rules: same type and shape; floats within atol + rtol*|expected|
// (NaN matches NaN); everything else exactly.
import type { Tensor } from '../../engine/tensor.js';

export interface Tolerance {
  rtol: number;
  atol: number;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function numbersOf(t: Tensor): number[] | undefined {
  const d = t.data as ArrayLike<number | bigint>;
  switch (t.type) {
    case 'float32':
    case 'float64':
    case 'complex64':
    case 'complex128':
      return Array.from(d as ArrayLike<number>);
    case 'float16':
      return Array.from(d as ArrayLike<number>, halfToFloat);
    case 'bfloat16': {
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      return Array.from(d as ArrayLike<number>, (b) => ((u[0] = b << 16), f[0]));
    }
    default:
      return undefined;
  }
}

/** Returns undefined when equal, else a short reason. */
export function compareTensors(actual: Tensor, expected: Tensor, tol: Tolerance): string | undefined {
  if (actual.type !== expected.type) return `type ${actual.type} != expected ${expected.type}`;
  if (actual.dims.length !== expected.dims.length || actual.dims.some((d, i) => d !== expected.dims[i])) {
    return `shape [${actual.dims}] != expected [${expected.dims}]`;
  }
  const a = numbersOf(actual);
  const e = numbersOf(expected);
  if (a && e) {
    let worst = -1;
    let worstErr = 0;
    for (let i = 0; i < e.length; i++) {
      const x = a[i];
      const y = e[i];
      if (Number.isNaN(y) ? Number.isNaN(x) : x === y) continue;
      const err = Math.abs(x - y);
      if (!(err <= tol.atol + tol.rtol * Math.abs(y))) {
        if (!(err <= worstErr)) {
          worstErr = Number.isNaN(err) ? Infinity : err;
          worst = i;
        }
      }
    }
    return worst < 0
      ? undefined
      : `value at ${worst}: ${a[worst]} != expected ${e[worst]} (|diff| ${worstErr})`;
  }
  const ad = actual.data as ArrayLike<unknown>;
  const ed = expected.data as ArrayLike<unknown>;
  if (ad.length !== ed.length) return `data length ${ad.length} != expected ${ed.length}`;
  for (let i = 0; i < ed.length; i++) {
    if (ad[i] !== ed[i]) return `value at ${i}: ${String(ad[i])} != expected ${String(ed[i])}`;
  }
  return undefined;
}
