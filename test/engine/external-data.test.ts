// External tensor data: read from files beside the model, and never from outside the model's folder.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ModelBuilder } from '../../engine/builder/index.js';
import { InferenceSession, ModelLoadError, Tensor } from '../../engine/index.js';
import { messageType } from '../../engine/onnx/schema.js';

const W = Float32Array.from([1.5, -2, 4]);

/** y = x * w, with w stored outside the model file at `location` (relative to the model's folder). */
function modelWithExternalWeight(location: string, offset = 0): Uint8Array {
  const proto = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', [3])
    .initializer('w', W, [3])
    .node('Mul', ['x', 'w'], ['y'])
    .output('y', 'float32', [3])
    .toModelProto() as { graph: { initializer: Record<string, unknown>[] } };
  const w = proto.graph.initializer[0];
  delete w.raw_data;
  w.data_location = 1;
  w.external_data = [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(W.byteLength) },
  ];
  const type = messageType('ModelProto');
  return type.encode(type.fromObject(proto)).finish();
}

function layout() {
  const root = mkdtempSync(join(tmpdir(), 'onnxfleet-ext-'));
  const modelDir = join(root, 'model');
  mkdirSync(join(modelDir, 'weights'), { recursive: true });
  const bytes = new Uint8Array(16 + W.byteLength);
  bytes.set(new Uint8Array(W.buffer), 16);
  writeFileSync(join(modelDir, 'weights', 'w.bin'), bytes);
  writeFileSync(join(root, 'outside.bin'), bytes);
  return { root, modelDir };
}

test('weights in an external file next to the model are used', async (t) => {
  const { modelDir } = layout();
  const path = join(modelDir, 'm.onnx');
  writeFileSync(path, modelWithExternalWeight('weights/w.bin', 16));
  const s = await InferenceSession.create(path);
  const y = (await s.run({ x: new Tensor('float32', Float32Array.from([2, 3, 0.5]), [3]) })).y as Tensor;
  t.deepEqual(Array.from(y.data as Float32Array), [3, -6, 2]);
});

test('a location that escapes the model folder is rejected', async (t) => {
  const { root, modelDir } = layout();
  for (const location of ['../outside.bin', join(root, 'outside.bin'), 'weights/../../outside.bin']) {
    const path = join(modelDir, 'escape.onnx');
    writeFileSync(path, modelWithExternalWeight(location, 16));
    await t.throwsAsync(
      () => InferenceSession.create(path),
      {
        instanceOf: ModelLoadError,
        message: /escapes the model folder/,
      },
      location,
    );
  }
});

test('a symlink inside the folder that points outside it is rejected', async (t) => {
  const { root, modelDir } = layout();
  symlinkSync(join(root, 'outside.bin'), join(modelDir, 'link.bin'));
  const path = join(modelDir, 'link.onnx');
  writeFileSync(path, modelWithExternalWeight('link.bin', 16));
  await t.throwsAsync(() => InferenceSession.create(path), {
    instanceOf: ModelLoadError,
    message: /escapes the model folder/,
  });
});

test('external data out of the file range or given as bytes gets a clear error', async (t) => {
  const { modelDir } = layout();
  const path = join(modelDir, 'range.onnx');
  writeFileSync(path, modelWithExternalWeight('weights/w.bin', 4096));
  await t.throwsAsync(() => InferenceSession.create(path), {
    instanceOf: ModelLoadError,
    message: /outside 'weights\/w\.bin'/,
  });
  await t.throwsAsync(() => InferenceSession.create(modelWithExternalWeight('weights/w.bin', 16)), {
    instanceOf: ModelLoadError,
    message: /given as bytes/,
  });
});
