// How the CLI reports failure: the error's message on one line; the stack only with DEBUG set.

/** A usage problem found by the CLI itself (bad --input, unknown input name, ...). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export function reportFailure(e: unknown): void {
  const debug = Boolean(process.env.DEBUG) && process.env.DEBUG !== '0';
  if (debug && e instanceof Error && e.stack) {
    process.stderr.write(`${e.stack}\n`);
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  // Some engine errors span lines (e.g. the addon loader's list of tried paths); keep them, but lead with the gist.
  process.stderr.write(`onnxfleet: ${message}\n`);
}
