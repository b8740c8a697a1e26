// The two runtimes behind one small interface. Each is imported only when used, so a memory child loads one.
import type { TensorLike } from '../test/helpers/allclose.js';
import type { InputSpec } from '../test/helpers/models.js';

export type RuntimeName = 'ours' | 'ort';
export const RUNTIMES: readonly RuntimeName[] = ['ours', 'ort'];

export type Outputs = Record<string, TensorLike>;

export interface BenchSession {
  /** Builds the runtime's tensors once (untimed) and returns a function that runs one inference on them. */
  bind(inputs: Record<string, InputSpec>): () => Promise<Outputs>;
  release(): Promise<void>;
}

export interface Opened {
  session: BenchSession;
  createMs: number;
}

/** Loads the runtime's module (untimed), then creates a session (timed). */
export async function openSession(runtime: RuntimeName, path: string, threads: number): Promise<Opened> {
  if (runtime === 'ours') {
    const { InferenceSession, Tensor, providerStatus } = await import('../engine/index.js');
    providerStatus('cpu'); // loads the addon untimed, as importing onnxruntime-node loads its binding
    const t0 = performance.now();
    const s = await InferenceSession.create(path, { intraOpNumThreads: threads });
    const createMs = performance.now() - t0;
    const session: BenchSession = {
      bind: (inputs) => {
        const feeds = Object.fromEntries(
          Object.entries(inputs).map(([k, v]) => [k, new Tensor(v.type, v.data.slice(), v.dims)]),
        );
        return async () => (await s.run(feeds)) as Outputs;
      },
      release: () => s.release(),
    };
    return { session, createMs };
  }
  const ort = await import('onnxruntime-node');
  const t0 = performance.now();
  const s = await ort.InferenceSession.create(path, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const createMs = performance.now() - t0;
  const session: BenchSession = {
    bind: (inputs) => {
      const feeds = Object.fromEntries(
        Object.entries(inputs).map(([k, v]) => [k, new ort.Tensor(v.type, v.data.slice(), v.dims)]),
      );
      return async () => (await s.run(feeds)) as Outputs;
    },
    release: () => s.release(),
  };
  return { session, createMs };
}
