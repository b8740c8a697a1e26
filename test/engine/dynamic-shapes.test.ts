// One session, changing input shapes between runs: every run must equal a fresh reference computation.
// (Kernels cache primitives per shape; a key that misses a dimension shows up here.)
import test from 'ava';
import { ModelBuilder, mulberry32 } from '../../engine/builder/index.js';
import { InferenceSession, Tensor } from '../../engine/index.js';

function randoms(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() - 0.5);
}

// [batch, seq, 32] x [32, 48] -> Gemm-like MatMul with a packed constant, then Conv on an image input.
function model(): Uint8Array {
  return new ModelBuilder({ opset: 13 })
    .input('x', 'float32', ['batch', 'seq', 32])
    .input('img', 'float32', ['batch', 3, 'h', 'w'])
    .initializer('w', randoms(32 * 48, 1), [32, 48])
    .initializer('k', randoms(8 * 3 * 3 * 3, 2), [8, 3, 3, 3])
    .initializer('kb', randoms(8, 3), [8])
    .node('MatMul', ['x', 'w'], ['y'])
    .node('Conv', ['img', 'k', 'kb'], ['z'], { pads: [1, 1, 1, 1], strides: [2, 2] })
    .output('y', 'float32', ['batch', 'seq', 48])
    .output('z', 'float32', ['batch', 8, null, null])
    .toBytes();
}

test('runs with changing batch and spatial sizes match the reference kernels', async (t) => {
  const fast = await InferenceSession.create(model(), { intraOpNumThreads: 2 });
  const ref = await InferenceSession.create(model(), {
    executionProviders: ['reference'],
    intraOpNumThreads: 1,
  });
  const shapes = [
    [1, 5, 9, 9],
    [4, 5, 9, 9],
    [2, 7, 16, 12],
    [4, 5, 9, 9],
    [1, 1, 3, 3],
  ];
  let seed = 10;
  for (const [b, s, h, w] of shapes) {
    const feeds = {
      x: new Tensor('float32', randoms(b * s * 32, seed++), [b, s, 32]),
      img: new Tensor('float32', randoms(b * 3 * h * w, seed++), [b, 3, h, w]),
    };
    const got = await fast.run(feeds);
    const want = await ref.run(feeds);
    for (const name of ['y', 'z']) {
      const g = got[name] as Tensor;
      const e = want[name] as Tensor;
      t.deepEqual(g.dims, e.dims, `${name} dims for ${[b, s, h, w]}`);
      let worst = 0;
      (e.data as Float32Array).forEach(
        (v, i) => (worst = Math.max(worst, Math.abs(v - (g.data as Float32Array)[i]))),
      );
      t.true(worst < 1e-4, `${name} for batch ${b} seq ${s} image ${h}x${w}: max abs diff ${worst}`);
    }
  }
});
