// Telemetry never fails a request: its errors are written to stderr once per kind, counted, and dropped.
const reported = new Set<string>();
let errors = 0;

/** Records a telemetry failure (`what`: "span export", "metrics endpoint", ...); logs only the first of each. */
export function reportTelemetryError(what: string, error: unknown): void {
  errors++;
  if (reported.has(what)) return;
  reported.add(what);
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `onnxfleet telemetry: ${what} failed: ${message} (requests go on; further ${what} errors are not logged)\n`,
  );
}

/** Telemetry failures seen by this process, logged or not. */
export function telemetryErrorCount(): number {
  return errors;
}
