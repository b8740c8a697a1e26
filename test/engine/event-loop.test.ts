// run() must not block the event loop (unlike onnxruntime-node, issues #19611 and #26968).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import test from 'ava';
import { InferenceSession, Tensor } from '../../engine/index.js';
import { matmulChain } from './fixtures/matmul-chain.js';

test('timers keep firing while a model runs', async (t) => {
  const n = 768;
  // One intra-op thread leaves a core for the event loop on a 2-core machine.
  const session = await InferenceSession.create(matmulChain(n, 24), { intraOpNumThreads: 1 });
  const x = new Tensor('float32', new Float32Array(n * n).fill(0.01), [n, n]);
  await session.run({ x }); // warm-up: primitives created, arena sized

  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const start = performance.now();
  let runs = 0;
  while (performance.now() - start < 400) {
    await session.run({ x });
    runs++;
  }
  const elapsed = performance.now() - start;
  delay.disable();
  clearInterval(timer);
  const maxDelayMs = delay.max / 1e6;
  t.log(
    `${runs} runs in ${elapsed.toFixed(0)} ms, ${ticks} timer ticks, max event-loop delay ${maxDelayMs.toFixed(1)} ms`,
  );
  // A blocking run would give ~0 ticks per run and a delay as long as a run (tens of ms here).
  t.true(ticks >= (elapsed / 5) * 0.4, `only ${ticks} ticks of 5 ms in ${elapsed.toFixed(0)} ms`);
  t.true(maxDelayMs < 50, `event loop was blocked for ${maxDelayMs.toFixed(1)} ms`);
  await session.release();
});
