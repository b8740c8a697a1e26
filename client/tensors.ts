// Engine Tensors <-> wire tensors for the client: feeds are checked before they leave, outputs are decoded
// and validated on arrival (a malformed reply is a BAD_MESSAGE, not a crash in the caller).
import { Tensor } from '../engine/tensor.js';
import {
  BadMessageError,
  FleetError,
  tensorFromWire,
  tensorToWire,
  type WireTensor,
} from '../protocol/index.js';

/** The feeds as wire tensors; throws TypeError for anything that is not an engine Tensor. */
export function feedsToWire(feeds: Record<string, Tensor>, model: string): WireTensor[] {
  if (feeds === null || typeof feeds !== 'object') {
    throw new TypeError(`feeds for model '${model}' must be an object of name -> Tensor, got ${feeds}`);
  }
  return Object.entries(feeds).map(([name, t]) => {
    if (!(t instanceof Tensor)) {
      const v = t as unknown;
      const got = v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
      throw new TypeError(`feed '${name}' for model '${model}' must be a Tensor, got ${got}`);
    }
    return tensorToWire(name, t);
  });
}

/** Wire tensors from a reply or job result as name -> Tensor; `what` names the message in errors. */
export function outputsFromWire(outputs: readonly WireTensor[], what: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const w of outputs) {
    try {
      out[w.name] = tensorFromWire(w, `output '${w.name}' of ${what}`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new BadMessageError(message, { cause: e, model: e instanceof FleetError ? e.model : undefined });
    }
  }
  return out;
}
