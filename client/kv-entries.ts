// Reads every live entry of a KV bucket, decoded: the shared way to list workers, placements and index entries.
import type { KV } from '@nats-io/kv';

/**
 * Key -> decoded value for every entry that is present (deleted, purged and empty entries skipped) and that
 * `decode` accepts (an entry it throws on, e.g. from a peer of another protocol version, is skipped too).
 */
export async function kvEntries<T>(
  kv: KV,
  decode: (bytes: Uint8Array) => T,
  keep: (key: string) => boolean = () => true,
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for await (const key of await kv.keys()) {
    if (!keep(key)) continue;
    const e = await kv.get(key);
    if (!e || e.operation !== 'PUT' || !e.value.byteLength) continue;
    try {
      out.set(key, decode(e.value));
    } catch {
      /* not ours to read */
    }
  }
  return out;
}
