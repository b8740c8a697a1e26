// Model files in the cluster: pushModel stores them content-addressed, resolveModel/listModels read the index,
// fetchModel downloads and verifies them by sha256 (a tampered cache is replaced).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoClassifier } from '../../engine/index.js';
import { ModelNotFoundError } from '../../client/index.js';
import { fetchModel } from '../../client/models.js';
import { natsSuite } from './nats.js';

const { client, it } = natsSuite();
const modelBytes = buildDemoClassifier({ seed: 7, classes: 4 }).toBytes();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'onnxfleet-models-'));
}

it('pushModel -> resolveModel -> fetchModel gives back the same bytes, verified by sha256', async (t) => {
  const fleet = await client();
  const dir = await tempDir();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'demo.onnx');
  await writeFile(file, modelBytes);

  const ref = await fleet.pushModel(file, { name: 'demo', version: '3' });
  t.like(ref, {
    name: 'demo',
    version: '3',
    sha256: sha(modelBytes),
    size: modelBytes.byteLength,
    fileName: 'demo.onnx',
  });
  t.deepEqual(await fleet.resolveModel('demo', '3'), ref);
  t.deepEqual(await fleet.resolveModel('demo'), ref, 'latest points at the newest push');

  const path = await fleet.fetchModel('demo', { cacheDir: join(dir, 'cache') });
  t.is(path, join(dir, 'cache', `${ref.sha256}.onnx`));
  t.deepEqual(new Uint8Array(await readFile(path)), modelBytes);
});

it('the same content under two names is stored once; listModels shows every name.version', async (t) => {
  const fleet = await client();
  const other = buildDemoClassifier({ seed: 8, classes: 4 }).toBytes();
  await fleet.pushModel(modelBytes, { name: 'a' });
  await fleet.pushModel(modelBytes, { name: 'b', version: '7' });
  await fleet.pushModel(other, { name: 'a', version: '2' });
  const store = await fleet.connection.models();
  const objects = (await store.list()).filter((o) => !o.deleted).map((o) => o.name);
  t.deepEqual(objects.sort(), [`sha256-${sha(modelBytes)}`, `sha256-${sha(other)}`].sort());
  const listed = await fleet.listModels();
  t.deepEqual(
    listed.map((m) => `${m.name}.${m.version}`),
    ['a.1', 'a.2', 'b.7'],
  );
  t.is((await fleet.resolveModel('a')).version, '2', 'latest is the last push');
  t.is((await fleet.resolveModel('a', '1')).sha256, sha(modelBytes));
});

it('unknown names and versions are ModelNotFoundError with code MODEL_NOT_FOUND', async (t) => {
  const fleet = await client();
  await fleet.pushModel(modelBytes, { name: 'known' });
  const missing = await t.throwsAsync(fleet.resolveModel('nope'), { instanceOf: ModelNotFoundError });
  t.is(missing!.code, 'MODEL_NOT_FOUND');
  t.is(missing!.model, 'nope');
  t.regex(missing!.message, /model 'nope' is not in the model index/);
  await t.throwsAsync(fleet.resolveModel('known', '9'), {
    instanceOf: ModelNotFoundError,
    message: /version '9'/,
  });
  await t.throwsAsync(fleet.fetchModel('nope', { cacheDir: tmpdir() }), { instanceOf: ModelNotFoundError });
  await t.throwsAsync(fleet.resolveModel('bad.name'), { instanceOf: TypeError });
  await t.throwsAsync(fleet.pushModel(modelBytes, { name: 'x', version: 'latest' }), {
    instanceOf: TypeError,
  });
});

it('a tampered cached file is downloaded again; an intact one is not', async (t) => {
  const fleet = await client();
  const dir = await tempDir();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const ref = await fleet.pushModel(modelBytes, { name: 'tamper' });
  const path = await fetchModel(fleet.connection, ref, dir);

  const tampered = new Uint8Array(modelBytes);
  tampered[tampered.length - 1] ^= 0xff;
  await writeFile(path, tampered);
  t.is(await fetchModel(fleet.connection, ref, dir), path);
  t.is(sha(await readFile(path)), ref.sha256, 'the cache holds the real file again');

  // With the object gone from the store, an intact cache still serves, proving it is not re-downloaded.
  await (await fleet.connection.models()).delete(`sha256-${ref.sha256}`);
  t.is(await fetchModel(fleet.connection, ref, dir), path);
  await writeFile(path, tampered);
  const gone = await t.throwsAsync(fetchModel(fleet.connection, ref, dir), {
    instanceOf: ModelNotFoundError,
  });
  t.regex(gone!.message, /missing from the Object Store/);
});
