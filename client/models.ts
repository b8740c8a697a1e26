// Model files in the Object Store, content-addressed by sha256, with a KV index name.version -> ModelRef.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  checkModelName,
  checkVersion,
  modelRefCodec,
  ModelNotFoundError,
  BadMessageError,
  type ModelRef,
} from '../protocol/index.js';
import type { FleetConnection } from './connection.js';
import { kvEntries } from './kv-entries.js';

export interface PushOptions {
  name: string;
  /** Default "1". */
  version?: string;
  /** Ask the coordinator to split it into this many pipeline stages (default: only when it fits no worker). */
  stages?: number;
  /** Ask the coordinator for this many replicas (default: by demand). */
  replicas?: number;
  /** Largest batch workers form for this model (default: each worker's --max-batch). */
  maxBatch?: number;
  /** How long workers wait for requests to batch with, in ms (default: each worker's --batch-window-ms). */
  batchWindowMs?: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function objectName(sha256: string): string {
  return `sha256-${sha256}`;
}

function indexKey(name: string, version: string): string {
  return `${name}.${version}`;
}

/** Uploads a model file (once per content) and binds name.version and name.latest to it. */
export async function pushModel(
  conn: FleetConnection,
  source: string | Uint8Array,
  options: PushOptions,
): Promise<ModelRef> {
  const name = checkModelName(options.name);
  const version = checkVersion(options.version ?? '1');
  if (version === 'latest') throw new TypeError("'latest' is not a version: it always names the newest push");
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  const sha256 = sha256Hex(bytes);
  const store = await conn.models();
  const existing = await store.info(objectName(sha256));
  if (!existing || existing.deleted) await store.putBlob({ name: objectName(sha256) }, bytes);
  const ref: ModelRef = {
    name,
    version,
    sha256,
    size: bytes.byteLength,
    pushedUnixMs: Date.now(),
    fileName: typeof source === 'string' ? basename(source) : '',
    stages: options.stages ?? 0,
    replicas: options.replicas ?? 0,
    maxBatch: options.maxBatch ?? 0,
    ...(options.batchWindowMs !== undefined ? { batchWindowMs: options.batchWindowMs } : {}),
  };
  const index = await conn.modelIndex();
  const encoded = modelRefCodec.encode(ref);
  await index.put(indexKey(name, version), encoded);
  await index.put(indexKey(name, 'latest'), encoded);
  return ref;
}

/** The ModelRef for name (and version, default latest), or ModelNotFoundError. */
export async function resolveModel(
  conn: FleetConnection,
  name: string,
  version = 'latest',
): Promise<ModelRef> {
  checkModelName(name);
  const index = await conn.modelIndex();
  const entry = await index.get(indexKey(name, version));
  if (!entry || entry.operation !== 'PUT' || entry.value.byteLength === 0) {
    throw new ModelNotFoundError(
      `model '${name}'${version === 'latest' ? '' : ` version '${version}'`} is not in the model index (push it with \`onnxfleet models push\`)`,
      { model: name },
    );
  }
  return modelRefCodec.decode(entry.value);
}

/** Every name.version in the index (without the latest aliases). */
export async function listModels(conn: FleetConnection): Promise<ModelRef[]> {
  const refs = await kvEntries(
    await conn.modelIndex(),
    modelRefCodec.decode,
    (key) => !key.endsWith('.latest'),
  );
  return [...refs.values()].sort((a, b) => a.name.localeCompare(b.name) || a.pushedUnixMs - b.pushedUnixMs);
}

/**
 * The model file on local disk (cacheDir/<sha256>.onnx), downloaded from the Object Store when missing and
 * verified against its sha256 either way.
 */
export async function fetchModel(conn: FleetConnection, ref: ModelRef, cacheDir: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const path = join(cacheDir, `${ref.sha256}.onnx`);
  try {
    const cached = await readFile(path);
    if (sha256Hex(cached) === ref.sha256) return path;
  } catch {
    /* not cached */
  }
  const bytes = await (await conn.models()).getBlob(objectName(ref.sha256));
  if (!bytes)
    throw new ModelNotFoundError(
      `model '${ref.name}' (sha256 ${ref.sha256}) is indexed but its file is missing from the Object Store`,
      { model: ref.name },
    );
  const actual = sha256Hex(bytes);
  if (actual !== ref.sha256) {
    throw new BadMessageError(
      `model '${ref.name}': downloaded file has sha256 ${actual}, the index says ${ref.sha256}`,
      { model: ref.name },
    );
  }
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
  return path;
}
