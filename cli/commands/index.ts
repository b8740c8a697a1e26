// Every subcommand of `onnxfleet`, one file each. A new subcommand is one file here plus one line below.
import type { Command } from 'commander';
import { demoModelCommand } from './demo-model.js';
import { runCommand } from './run.js';
import { workerCommand } from './worker.js';

export const commands: readonly (() => Command)[] = [runCommand, demoModelCommand, workerCommand];
