// Worker-thread entry that registers tsx before importing a TypeScript module (Node 20 workers do not
// apply the parent's --import hooks to their own entry file).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__tsEntry);
