// The partition planner: every benchmark model split into 2 and 3 stages by the planner runs stage after stage
// and gives bitwise the unsplit model's outputs; onnxruntime-node loads (and runs) every stage model; a carried
// skip connection, weight budgets and the cost model's FLOPs on hand-built models.
//
// Bitwise equality needs both sides to run the same kernels. At graphOptimizationLevel 'disabled' any cut
// gives it. At 'all' a cut through an optimizer fusion (e.g. between a residual Add and the LayerNorm that
// SkipLayerNormalization joins it with) changes bert_small's rounding, so the planner is given the engine's
// fusion groups (engineFusionGroups) and never cuts through one: then 'all' is bitwise too.
import { readFileSync } from 'node:fs';
import test from 'ava';
import * as ort from 'onnxruntime-node';
import {
  engineFusionGroups,
  modelCost,
  PartitionError,
  partitionModel,
  type PartitionPlan,
} from '../../coordinator/partition/index.js';
import { decodeModel } from '../../engine/onnx/decode.js';
import {
  attr,
  InferenceSession,
  ModelBuilder,
  mulberry32,
  type SessionOptions,
  Tensor,
} from '../../engine/index.js';
import { uniformFloats } from '../../engine/builder/prng.js';
import { loadModels, makeInputs, type ModelInfo, modelsUnavailable } from '../helpers/models.js';

const THREADS = 2;

type AnyTensor = { type: string; dims: readonly number[]; data: unknown };

function bytesOf(t: AnyTensor): Uint8Array {
  const d = t.data as ArrayBufferView;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Undefined when a and b hold the same type, dims and bytes; else what differs. */
function bitwiseDiff(a: AnyTensor, b: AnyTensor): string | undefined {
  if (a.type !== b.type) return `type ${a.type} vs ${b.type}`;
  if (a.dims.join() !== b.dims.join()) return `dims [${a.dims}] vs [${b.dims}]`;
  const x = bytesOf(a);
  const y = bytesOf(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff++;
  return diff ? `${diff} of ${x.length} bytes differ` : undefined;
}

function feedsOf(
  inputs: Record<string, { type: string; data: Float32Array | BigInt64Array; dims: number[] }>,
) {
  const out: Record<string, Tensor> = {};
  for (const [k, s] of Object.entries(inputs))
    out[k] = new Tensor(s.type as 'float32', s.data.slice() as Float32Array, s.dims);
  return out;
}

/** Runs the stages in order: stage 0 gets the model's inputs, stage k > 0 only what stage k-1 returned. */
async function runStages(
  plan: PartitionPlan,
  feeds: Record<string, Tensor>,
  options: SessionOptions,
): Promise<Record<string, Tensor>> {
  let available = feeds;
  for (const stage of plan.stages) {
    const session = await InferenceSession.create(stage.model, options);
    try {
      const missing = stage.inputs.filter((n) => !available[n]);
      if (missing.length) throw new Error(`stage ${stage.index} lacks ${missing.join(', ')}`);
      const out = await session.run(Object.fromEntries(stage.inputs.map((n) => [n, available[n]])));
      available = out as Record<string, Tensor>;
    } finally {
      await session.release();
    }
  }
  return available;
}

/** The plan's stages cover the compute nodes once, in order, and hand each other what they promise. */
function checkShape(
  t: import('ava').ExecutionContext,
  plan: PartitionPlan,
  k: number,
  inputs: string[],
  outputs: string[],
) {
  t.is(plan.stages.length, k);
  t.is(plan.cuts.length, k - 1);
  t.is(plan.stages[0].start, 0);
  plan.stages.forEach((s, i) => {
    t.true(s.end > s.start, `stage ${i} is not empty`);
    if (i > 0) t.is(s.start, plan.stages[i - 1].end);
    if (i > 0)
      t.deepEqual(s.inputs, plan.stages[i - 1].outputs, `stage ${i} takes what stage ${i - 1} gives`);
    t.is(s.modelBytes, s.model.byteLength);
    t.true(s.weightBytes <= s.budget);
  });
  t.deepEqual(plan.stages[0].inputs, inputs);
  t.deepEqual(plan.stages[k - 1].outputs, outputs);
  const flops = plan.stages.reduce((a, s) => a + s.flops, 0);
  t.true(Math.abs(flops - plan.cost.flops) <= 1e-9 * plan.cost.flops, 'stage FLOPs add up to the model');
  plan.cuts.forEach((c, i) => {
    t.is(c.position, plan.stages[i].end);
    t.true(c.bytes > 0);
    t.is(
      c.bytes,
      c.tensors.reduce((a, x) => a + x.bytes, 0),
    );
  });
}

const reason = modelsUnavailable();
if (reason) {
  test.skip(`partition of the benchmark models: skipped, ${reason}`, () => {});
} else {
  const models = loadModels();
  const fusionGroups = new Map<string, Promise<string[][]>>();
  const groupsOf = (m: ModelInfo, bytes: Uint8Array) => {
    let p = fusionGroups.get(m.name);
    if (!p) {
      p = engineFusionGroups(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: THREADS });
      fusionGroups.set(m.name, p);
    }
    return p;
  };
  for (const m of models) {
    for (const k of [2, 3]) {
      test.serial(`${m.name} in ${k} stages equals the whole model bitwise`, async (t) => {
        const bytes = new Uint8Array(readFileSync(m.path));
        const inputs = makeInputs(m, 1);
        const decoded = decodeModel(bytes);
        const inputNames = decoded.graph.inputs
          .map((i) => i.name)
          .filter((n) => !decoded.graph.initializers.has(n));
        const outputNames = decoded.graph.outputs.map((o) => o.name);

        // 'disabled' on both sides, any cut the planner likes.
        const plain = partitionModel(bytes, { name: m.name, stages: k });
        checkShape(t, plain, k, inputNames, outputNames);
        // 'all' on both sides, with no cut through an optimizer fusion.
        const keepTogether = await groupsOf(m, bytes);
        const fused = partitionModel(bytes, { name: m.name, stages: k, keepTogether });
        checkShape(t, fused, k, inputNames, outputNames);
        t.log(
          `${m.name} K=${k}: GFLOPs per stage [${fused.stages.map((s) => (s.flops / 1e9).toFixed(3))}], ` +
            `bytes crossing cuts [${fused.cuts.map((c) => c.bytes)}], weight MB [${fused.stages.map((s) => (s.weightBytes / 1e6).toFixed(1))}]`,
        );

        for (const [level, plan] of [
          ['disabled', plain],
          ['all', fused],
        ] as const) {
          const options: SessionOptions = { graphOptimizationLevel: level, intraOpNumThreads: THREADS };
          const whole = await InferenceSession.create(bytes, options);
          const expected = await whole.run(feedsOf(inputs));
          await whole.release();
          const actual = await runStages(plan, feedsOf(inputs), options);
          for (const o of outputNames) {
            t.truthy(actual[o], `${level}: the last stage returns ${o}`);
            t.is(bitwiseDiff(actual[o], expected[o] as Tensor), undefined, `${level}: output ${o}`);
          }
        }

        // onnxruntime-node loads every stage model with the planned signature, and its stage chain also
        // reproduces its own unsplit outputs bitwise (no graph optimizations on either side).
        const ortOptions: ort.InferenceSession.SessionOptions = {
          graphOptimizationLevel: 'disabled',
          intraOpNumThreads: THREADS,
          interOpNumThreads: 1,
        };
        const ortFeeds = () =>
          Object.fromEntries(
            Object.entries(inputs).map(([n, s]) => [n, new ort.Tensor(s.type, s.data.slice(), s.dims)]),
          );
        const ortWhole = await ort.InferenceSession.create(bytes, ortOptions);
        const ortExpected = await ortWhole.run(ortFeeds());
        await ortWhole.release();
        let available: Record<string, ort.Tensor> = ortFeeds();
        for (const stage of plain.stages) {
          const s = await ort.InferenceSession.create(stage.model, ortOptions);
          t.deepEqual([...s.inputNames], stage.inputs, `onnxruntime sees stage ${stage.index}'s inputs`);
          t.deepEqual([...s.outputNames], stage.outputs, `onnxruntime sees stage ${stage.index}'s outputs`);
          available = await s.run(Object.fromEntries(stage.inputs.map((n) => [n, available[n]])));
          await s.release();
        }
        for (const stage of fused.stages) {
          const s = await ort.InferenceSession.create(stage.model, ortOptions);
          t.deepEqual([...s.outputNames], stage.outputs);
          await s.release();
        }
        for (const o of outputNames)
          t.is(bitwiseDiff(available[o], ortExpected[o]), undefined, `onnxruntime stage chain: output ${o}`);
      });
    }
  }

  test.serial('a model over any one budget is split automatically into the fewest stages that fit', (t) => {
    const m = models.find((x) => x.name === 'resnet18') ?? models[0];
    const bytes = new Uint8Array(readFileSync(m.path));
    const total = modelCost(bytes, {}, { name: m.name }).weightBytes;
    const budget = Math.ceil(total / 2); // the last layers alone hold most of resnet18's weights
    const plan = partitionModel(bytes, { name: m.name, budget });
    t.true(plan.stages.length >= 2);
    for (const s of plan.stages)
      t.true(s.weightBytes <= budget, `stage ${s.index}: ${s.weightBytes} <= ${budget}`);
    const fewer = plan.stages.length - 1;
    const e = t.throws(() => partitionModel(bytes, { name: m.name, stages: fewer, budget }), {
      instanceOf: PartitionError,
    });
    t.is(e?.code, 'PARTITION_INFEASIBLE');
  });
}

// A 3-layer residual MLP: h1 = x W1; h2 = relu(h1) * c; h3 = tanh(h2 W2); y = (h3 W3 + h1) * c + x; also
// outputs h2. Each weight is 16 KiB, so a budget of one weight per stage forces exactly 3 stages, with h1 (a
// skip connection) and x (a graph input) carried through the middle stage, h2 (an early graph output)
// carried to the last, and the Constant c copied into the first and last stages.
const WIDTH = 64;
const WEIGHT = WIDTH * WIDTH * 4;

function residualMlp(): Uint8Array {
  const rand = mulberry32(7);
  const b = new ModelBuilder({ opset: 13 });
  b.input('x', 'float32', ['batch', WIDTH]);
  for (const w of ['W1', 'W2', 'W3'])
    b.initializer(w, new Tensor('float32', uniformFloats(rand, WIDTH * WIDTH, 0.2), [WIDTH, WIDTH]));
  b.node('Constant', [], ['c'], { value: new Tensor('float32', new Float32Array([0.5]), []) });
  b.node('MatMul', ['x', 'W1'], ['h1']);
  b.node('Relu', ['h1'], ['r1']);
  b.node('Mul', ['r1', 'c'], ['h2']);
  b.node('MatMul', ['h2', 'W2'], ['m2']);
  b.node('Tanh', ['m2'], ['h3']);
  b.node('MatMul', ['h3', 'W3'], ['m3']);
  b.node('Add', ['m3', 'h1'], ['s']);
  b.node('Mul', ['s', 'c'], ['sc']);
  b.node('Add', ['sc', 'x'], ['y']);
  b.output('y', 'float32', ['batch', WIDTH]);
  b.output('h2', 'float32', ['batch', WIDTH]);
  return b.toBytes();
}

test('a skip connection, a graph input and an early output are carried through the middle stage', async (t) => {
  const bytes = residualMlp();
  const plan = partitionModel(bytes, { name: 'mlp', budget: WEIGHT + 64 });
  t.is(plan.stages.length, 3, 'one weight per stage');
  checkShape(t, plan, 3, ['x'], ['y', 'h2']);
  const [s0, s1, s2] = plan.stages;
  t.deepEqual(s0.inputs, ['x']);
  t.true(s1.inputs.includes('h1') && s1.outputs.includes('h1'), 'h1 passes through stage 1');
  t.true(s1.inputs.includes('x') && s1.outputs.includes('x'), 'x passes through stage 1');
  t.true(s1.outputs.includes('h2'), 'the early output h2 is carried to the last stage');
  t.true(s2.inputs.includes('h1') && s2.inputs.includes('x') && s2.inputs.includes('h2'));
  const copies = plan.stages.filter((s) => s.nodeNames.some((n) => n.startsWith('Constant')));
  t.true(copies.length >= 2 && copies.includes(s2), 'the Constant is copied into each stage that reads it');
  for (const s of plan.stages) t.true(s.weightBytes >= WEIGHT && s.weightBytes <= WEIGHT + 64);

  const x = new Float32Array(2 * WIDTH);
  const rand = mulberry32(3);
  for (let i = 0; i < x.length; i++) x[i] = rand() * 2 - 1;
  for (const level of ['disabled', 'all'] as const) {
    const options: SessionOptions = { graphOptimizationLevel: level, intraOpNumThreads: 1 };
    const whole = await InferenceSession.create(bytes, options);
    const expected = await whole.run({ x: new Tensor('float32', x.slice(), [2, WIDTH]) });
    await whole.release();
    const actual = await runStages(plan, { x: new Tensor('float32', x.slice(), [2, WIDTH]) }, options);
    for (const o of ['y', 'h2'])
      t.is(bitwiseDiff(actual[o], expected[o] as Tensor), undefined, `${level}: ${o}`);
  }
  for (const s of plan.stages) {
    const ref = await ort.InferenceSession.create(s.model);
    t.deepEqual([...ref.inputNames], s.inputs);
    await ref.release();
  }
});

test('stage weights stay within per-stage budgets; an infeasible budget names the model, K and the least budget', (t) => {
  const bytes = residualMlp();
  // Budgets may differ per stage: a first worker with room for two weights, a second for one.
  const two = partitionModel(bytes, { name: 'mlp', stages: 2, budget: [2 * WEIGHT + 64, WEIGHT + 64] });
  t.deepEqual(
    two.stages.map((s) => s.weightBytes),
    [2 * WEIGHT + 4, WEIGHT + 4],
  );
  const e = t.throws(() => partitionModel(bytes, { name: 'mlp', stages: 2, budget: WEIGHT + 64 }), {
    instanceOf: PartitionError,
  });
  t.is(e?.code, 'PARTITION_INFEASIBLE');
  t.regex(e?.message ?? '', /model 'mlp'/);
  t.regex(e?.message ?? '', /2 stages/);
  t.is(e?.smallestFeasibleBudget, 2 * WEIGHT + 4, 'two weights and the constant in one of the stages');
  t.regex(e?.message ?? '', new RegExp(`${2 * WEIGHT + 4} bytes`));
  // The reported budget is exactly the least that works.
  t.notThrows(() => partitionModel(bytes, { name: 'mlp', stages: 2, budget: 2 * WEIGHT + 4 }));
  t.throws(() => partitionModel(bytes, { name: 'mlp', stages: 2, budget: 2 * WEIGHT + 3 }), {
    instanceOf: PartitionError,
  });
  // Below one weight nothing fits, whatever the number of stages.
  const none = t.throws(() => partitionModel(bytes, { name: 'mlp', budget: WEIGHT - 1 }), {
    instanceOf: PartitionError,
  });
  t.is(none?.code, 'PARTITION_INFEASIBLE');
  t.is(none?.smallestFeasibleBudget, WEIGHT, 'a stage of one MatMul');
  // More stages than places to cut.
  const many = t.throws(() => partitionModel(bytes, { name: 'mlp', stages: 50 }), {
    instanceOf: PartitionError,
  });
  t.is(many?.code, 'PARTITION_INVALID');
});

test('cost model: FLOPs of a Conv and a MatMul computed by hand', (t) => {
  const b = new ModelBuilder({ opset: 13 });
  b.input('x', 'float32', ['batch', 3, 8, 8]);
  b.input('a', 'float32', ['batch', 5, 6]);
  b.initializer('W', new Tensor('float32', new Float32Array(4 * 3 * 3 * 3), [4, 3, 3, 3]));
  b.initializer('B', new Tensor('float32', new Float32Array(4), [4]));
  b.initializer('M', new Tensor('float32', new Float32Array(6 * 7), [6, 7]));
  b.node('Conv', ['x', 'W', 'B'], ['y'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, { name: 'conv' });
  b.node('MatMul', ['a', 'M'], ['z'], {}, { name: 'matmul' });
  b.input('a2', 'float32', [3, 6]);
  b.node('Gemm', ['a2', 'M', ''], ['g'], { alpha: attr.float(1) }, { name: 'gemm' });
  b.node('Relu', ['y'], ['r'], {}, { name: 'relu' });
  b.output('r', 'float32', ['batch', 4, 8, 8]);
  b.output('z', 'float32', ['batch', 5, 7]);
  b.output('g', 'float32', [3, 7]);
  const bytes = b.toBytes();

  const at = (batch: number) => {
    const cost = modelCost(bytes, { batch });
    return Object.fromEntries(cost.nodes.map((n) => [n.name, n]));
  };
  const one = at(1);
  // Conv: every output element (4 x 8 x 8) is a dot product over Cin x kh x kw = 27 (2 FLOPs each), + bias.
  t.is(one.conv.flops, 2 * (4 * 8 * 8) * 27 + 4 * 8 * 8);
  t.is(one.conv.weightBytes, (108 + 4) * 4);
  t.is(one.conv.outputBytes, 4 * 8 * 8 * 4);
  t.is(one.relu.flops, 4 * 8 * 8);
  // MatMul [batch, 5, 6] x [6, 7]: batch x 5 x 7 outputs, dot products of length 6.
  t.is(one.matmul.flops, 2 * 5 * 7 * 6);
  t.is(one.gemm.flops, 2 * 3 * 7 * 6);
  const four = at(4);
  t.is(four.conv.flops, 4 * one.conv.flops);
  t.is(four.matmul.flops, 2 * 4 * 5 * 7 * 6);
  const cost = modelCost(bytes, { batch: 4 });
  t.deepEqual(cost.dims, { batch: 4 });
  t.is(cost.flops, four.conv.flops + four.relu.flops + four.matmul.flops + four.gemm.flops);
  t.is(cost.weightBytes, (108 + 4 + 42) * 4);
  // Unnamed symbolic dims default: batch-like 1.
  t.deepEqual(modelCost(bytes).dims, { batch: 1 });
  t.is(
    modelCost(decodeModel(bytes), { batch: 2 }).nodes.find((n) => n.name === 'conv')?.flops,
    2 * one.conv.flops,
  );
});
