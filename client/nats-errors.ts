// Recognising nats.js failures by name along the cause chain (the services package bundles its own copy of
// nats-core, so `instanceof` is not reliable across packages).

/** The server said nobody is subscribed to the subject. */
export function isNoResponders(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if (c.name === 'NoResponders' || c.name === 'NoRespondersError') return true;
    const check = (c as unknown as { isNoResponders?: () => boolean }).isNoResponders;
    if (typeof check === 'function' && check.call(c)) return true;
  }
  return false;
}

/** A request got no reply in time. */
export function isTimeout(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) if (c.name === 'TimeoutError') return true;
  return false;
}
