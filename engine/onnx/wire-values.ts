// Values as the ONNX wire format wants them, shared by the model encoder and the model builder.

/** protobufjs writes int64 from a number or {low, high}; a bigint needs splitting into 32-bit halves. */
export function int64Of(v: number | bigint): number | { low: number; high: number } {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v))
      throw new RangeError(`int64 value ${v} is not a safe integer; pass a bigint`);
    return v;
  }
  if (v !== BigInt.asIntN(64, v)) throw new RangeError(`${v} does not fit int64`);
  const bits = BigInt.asUintN(64, v);
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0 };
}

/** The IR version each ai.onnx opset first shipped with (onnx/helper.py's VERSION_TABLE, condensed). */
export function irVersionForOpset(opset: number): number {
  if (opset <= 8) return 3;
  if (opset <= 11) return opset - 5; // 9 -> 4, 10 -> 5, 11 -> 6
  if (opset <= 13) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}
