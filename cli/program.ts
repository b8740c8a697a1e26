// The command tree. Each subcommand lives in its own file under commands/ and is listed in commands/index.ts.
import { Command } from 'commander';
import { commands } from './commands/index.js';
import { packageVersion } from '../engine/version.js';

export function buildProgram(): Command {
  const program = new Command('onnxfleet')
    .description('Distributed ONNX inference: run models locally or serve them from a NATS cluster')
    .version(packageVersion())
    // Program options only before the subcommand, so subcommands may have their own --version (of a model).
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)');
  for (const make of commands) program.addCommand(make());
  return program;
}
