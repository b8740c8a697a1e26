// Every subcommand of `onnxfleet`, one file each. A new subcommand is one file here plus one line below.
import type { Command } from 'commander';
import { coordinatorCommand } from './coordinator.js';
import { batchCommand } from './batch.js';
import { demoCommand } from './demo.js';
import { demoModelCommand } from './demo-model.js';
import { inferCommand } from './infer.js';
import { jobCommand } from './job.js';
import { modelsCommand } from './models.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { upCommand } from './up.js';
import { workerCommand } from './worker.js';

export const commands: readonly (() => Command)[] = [
  runCommand,
  demoModelCommand,
  demoCommand,
  // The cluster's processes.
  upCommand,
  workerCommand,
  coordinatorCommand,
  // The cluster from the client's side: models in the Object Store, online inference, durable jobs.
  modelsCommand,
  inferCommand,
  jobCommand,
  batchCommand,
  statusCommand,
];
