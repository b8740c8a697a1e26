// What the native registry can run, as the optimizer asks it: fusions emit only ops a kernel resolves for.
import { native } from '../native.js';
import type { KernelQuery } from './pass.js';

/** A kernel resolves when one is registered for the provider with since_version <= the node's opset. */
export function kernelQuery(provider: string): KernelQuery {
  const since = new Map<string, number[]>();
  for (const k of native().kernels()) {
    // The reference provider falls back to the plain cpu kernels (see providers.ts).
    if (k.provider !== provider && !(provider === 'reference' && k.provider === 'cpu')) continue;
    const key = `${k.domain}:${k.opType}`;
    since.set(key, [...(since.get(key) ?? []), k.sinceVersion]);
  }
  return (domain, opType, opset) => (since.get(`${domain}:${opType}`) ?? []).some((v) => v <= opset);
}
