#!/usr/bin/env node
// The `onnxfleet` command: parses arguments, runs one subcommand, turns any failure into one line and exit 1.
import { reportFailure } from './fail.js';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  reportFailure(e);
  process.exitCode = 1;
}
