// optimizedModelFilePath and engine/onnx/encode.ts: the optimized model saved as .onnx decodes to the same IR,
// and onnxruntime-node loads the saved benchmark models (com.microsoft fusions included) and gets the outputs
// of the original.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as ort from 'onnxruntime-node';
import { attr, InferenceSession, ModelBuilder, Tensor } from '../../engine/index.js';
import type { Model } from '../../engine/ir/types.js';
import { decodeModel } from '../../engine/onnx/decode.js';
import { encodeModel } from '../../engine/onnx/encode.js';
import { opCounts } from '../../engine/optimizer/print.js';
import { allclose, scaledTolerance } from '../helpers/allclose.js';
import { benchmarkModel, modelTest, randTensor } from './helpers.js';

const ORACLE = { rtol: 1e-4, atol: 1e-5 };
const dir = mkdtempSync(join(tmpdir(), 'onnxfleet-optimized-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** The IR as comparable plain data (bigints and bytes spelled out). */
function plain(m: Model): unknown {
  return JSON.parse(
    JSON.stringify(m, (_, v) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
      if (v instanceof Map) return [...v];
      return v;
    }),
  );
}

test('encode(decode(bytes)) decodes to the same IR: attribute kinds, subgraphs, tensors of several types', (t) => {
  const branch = (value: number) =>
    new ModelBuilder({ graphName: `b${value}` })
      .initializer('k', [value], [1])
      .node('Add', ['x', 'k'], ['o'])
      .output('o', 'float32', [2]);
  const bytes = new ModelBuilder({ opset: 17, producerName: 'test' })
    .opsetImport('com.microsoft', 1)
    .meta('author', 'me')
    .input('x', 'float32', ['n', 2])
    .input('flag', 'bool', [])
    .initializer('i64', [1n, -2n], [2])
    .initializer('s', new Tensor('string', ['a', 'bc'], [2]))
    .initializer('h', new Tensor('float16', new Uint16Array([0x3c00, 0x4000]), [2]))
    .node('If', ['flag'], ['y'], { then_branch: branch(1), else_branch: branch(2) })
    .node('LeakyRelu', ['y'], ['z'], { alpha: attr.float(0.25) })
    .node('Gelu', ['z'], ['g'], {}, { domain: 'com.microsoft' })
    .node('Constant', [], ['c'], { value_ints: [1, 2, 3] })
    .node('Constant', [], ['f'], { value_floats: attr.floats([0.5, 1.5]) })
    .node('Constant', [], ['ss'], { value_strings: ['p', 'q'] })
    .node('Constant', [], ['tt'], { value: new Tensor('int32', Int32Array.from([7]), [1]) })
    .output('g', 'float32', ['n', 2])
    .output('c', 'int64', [3])
    .output('f', 'float32', [2])
    .output('ss', 'string', [2])
    .output('tt', 'int32', [1])
    .valueInfo('z', 'float32', ['n', 2])
    .toBytes();
  const model = decodeModel(bytes);
  t.deepEqual(plain(decodeModel(encodeModel(model))), plain(model));
});

test('optimizedModelFilePath is written even when the model was compiled already in this process', async (t) => {
  const bytes = new ModelBuilder({ opset: 13 })
    .input('x', 'float32', [2, 4])
    .node('Identity', ['x'], ['i'])
    .node('Relu', ['i'], ['y'])
    .output('y', 'float32', [2, 4])
    .toBytes();
  const first = await InferenceSession.create(bytes);
  const path = join(dir, 'tiny.onnx');
  const second = await InferenceSession.create(bytes, { optimizedModelFilePath: path });
  t.true(existsSync(path));
  t.deepEqual(opCounts(decodeModel(readFileSync(path)).graph), { Relu: 1 });
  const x = randTensor('x', [2, 4]);
  const [a, b] = [await first.run({ x }), await second.run({ x })];
  t.deepEqual(a.y, b.y);
  await Promise.all([first.release(), second.release()]);
});

for (const [name, fused] of [
  ['resnet18', 'com.microsoft.FusedConv'],
  ['bert_small', 'com.microsoft.SkipLayerNormalization'],
] as const) {
  modelTest(
    `${name}: the saved optimized model runs in onnxruntime-node with the same outputs`,
    async (t) => {
      const { path, feeds } = benchmarkModel(name);
      const saved = join(dir, `${name}.optimized.onnx`);
      // nhwc-layout emits com.ms.internal.nhwc pooling ops that only this engine runs (like onnxruntime's own
      // level-'all' models, which are tied to the runtime that wrote them), so the portable model leaves it out.
      const ours = await InferenceSession.create(path, {
        intraOpNumThreads: 2,
        optimizedModelFilePath: saved,
        disabledOptimizers: ['nhwc-layout'],
      });
      const counts = opCounts(decodeModel(readFileSync(saved)).graph);
      t.true(counts[fused] > 0, JSON.stringify(counts));
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds))
        ortFeeds[k] = new ort.Tensor(v.type as 'float32', v.data.slice() as Float32Array, v.dims);
      const options = { intraOpNumThreads: 2, interOpNumThreads: 1 };
      const [optimized, original] = await Promise.all([
        ort.InferenceSession.create(saved, options),
        ort.InferenceSession.create(path, options),
      ]);
      const [got, ref, mine] = [
        await optimized.run(ortFeeds),
        await original.run(ortFeeds),
        await ours.run(feeds),
      ];
      for (const out of ours.outputNames) {
        const tol = scaledTolerance(ref[out], ORACLE);
        t.is(
          allclose(got[out], ref[out], tol).failure,
          undefined,
          `${out}: onnxruntime, optimized vs original`,
        );
        t.is(
          allclose(mine[out] as Tensor, got[out], tol).failure,
          undefined,
          `${out}: ours vs onnxruntime optimized`,
        );
      }
      await Promise.all([ours.release(), optimized.release(), original.release()]);
    },
  );
}
