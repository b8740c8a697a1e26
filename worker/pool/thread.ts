// A pool thread: runs tasks on sessions it opens once per model. Sessions of the same model file share one
// compiled model (weights once per process) through the engine's native registry.
import { BroadcastChannel, threadId } from 'node:worker_threads';
import { type FetchValue, InferenceSession, Tensor } from '../../engine/index.js';
import { RELEASE_CHANNEL, type PoolTensor, type RunResult, type RunTask } from './tasks.js';

const sessions = new Map<string, Promise<InferenceSession>>();

// The main thread names models it stopped hosting; closing our sessions lets the engine free their weights.
const releases = new BroadcastChannel(RELEASE_CHANNEL);
releases.unref();
releases.onmessage = (event) => {
  const key = (event as MessageEvent).data as string;
  const s = sessions.get(key);
  sessions.delete(key);
  void s?.then((session) => session.release()).catch(() => undefined);
};

function sessionFor(task: RunTask): Promise<InferenceSession> {
  let s = sessions.get(task.modelKey);
  if (!s) {
    s = InferenceSession.create(task.path, { intraOpNumThreads: task.intraOpThreads });
    sessions.set(task.modelKey, s);
    s.catch(() => sessions.delete(task.modelKey));
  }
  return s;
}

export default async function run(task: RunTask): Promise<RunResult> {
  const session = await sessionFor(task);
  if (task.openOnly) return { outputs: [], runMs: 0, threadId };
  const feeds: Record<string, Tensor> = {};
  for (const t of task.inputs) feeds[t.name] = new Tensor(t.type, t.data, t.dims);
  if (task.profile) return profiledRun(session, task, feeds);
  const start = performance.now();
  // This thread only runs models: run on it directly rather than hopping to the libuv pool.
  const out = task.outputs.length
    ? await session.run(feeds, task.outputs, { blocking: true })
    : await session.run(feeds, { blocking: true });
  const runMs = performance.now() - start;
  return { outputs: poolOutputs(out), runMs, threadId };
}

/** A run with per-node timings (its `session.run` span is sampled): the result carries this run's profile. */
async function profiledRun(
  session: InferenceSession,
  task: RunTask,
  feeds: Record<string, Tensor>,
): Promise<RunResult> {
  const wallOffsetUs = (Date.now() - (performance.timeOrigin + performance.now())) * 1e3;
  const before = session.lastRunProfile;
  const start = performance.now();
  const out = task.outputs.length
    ? await session.run(feeds, task.outputs, { profile: true, blocking: true })
    : await session.run(feeds, { profile: true, blocking: true });
  const runMs = performance.now() - start;
  // A thread runs one task at a time, so a new lastRunProfile is this run's.
  const profile = session.lastRunProfile !== before ? session.lastRunProfile : undefined;
  return { outputs: poolOutputs(out), runMs, threadId, profile, wallOffsetUs };
}

function poolOutputs(out: Record<string, FetchValue>): PoolTensor[] {
  const outputs: PoolTensor[] = [];
  for (const [name, v] of Object.entries(out)) {
    if (!(v instanceof Tensor))
      throw new TypeError(`output '${name}' is not a tensor; only tensor outputs can be served`);
    outputs.push({ name, type: v.type, dims: [...v.dims], data: v.data });
  }
  return outputs;
}
