// Execution providers: which exist on this machine, and why not when they do not.
import { native } from './native.js';

export interface ProviderStatus {
  name: string;
  available: boolean;
  reason?: string;
}

const KNOWN = ['cpu', 'reference', 'cuda', 'openvino', 'dml'];

export function providerStatus(name: string): ProviderStatus {
  if (!KNOWN.includes(name))
    return { name, available: false, reason: `unknown execution provider '${name}'` };
  const hasKernels = native()
    .kernels()
    .some((k) => k.provider === name || (name === 'reference' && k.provider === 'cpu'));
  if (hasKernels) return { name, available: true };
  const why: Record<string, string> = {
    cuda: 'this build of onnxfleet has no CUDA kernels (built without the CUDA toolkit)',
    openvino: 'this build of onnxfleet has no OpenVINO provider',
    dml: 'DirectML exists only on Windows',
  };
  return { name, available: false, reason: why[name] ?? `no kernels registered for '${name}'` };
}

/** Picks the first available provider in the user's order; throws listing every reason if none is. */
export function chooseProvider(requested: string[]): { provider: string; skipped: ProviderStatus[] } {
  const skipped: ProviderStatus[] = [];
  for (const name of requested) {
    const s = providerStatus(name);
    if (s.available) return { provider: name, skipped };
    skipped.push(s);
  }
  throw new Error(
    `none of the requested execution providers can run here: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`,
  );
}
