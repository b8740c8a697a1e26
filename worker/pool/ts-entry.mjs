// Pool-thread entry when the worker runs from TypeScript sources (tests, `tsx cli/main.ts`): Node 20 worker
// threads do not inherit the parent's --import hooks, so register tsx here before loading thread.ts.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const mod = await import(workerData.threadEntry);
export default mod.default;
