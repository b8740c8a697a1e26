// `npm run bench`: our engine against onnxruntime-node on the benchmark models, in one process, same inputs.
// Progress goes to stderr; the report (a Markdown table) goes to stdout.
import { allclose, scaledTolerance } from '../test/helpers/allclose.js';
import { findModel, makeInputs, modelsUnavailable, type ModelInfo } from '../test/helpers/models.js';
import { parseBenchArgs, USAGE, type BenchArgs } from './args.js';
import { machineLines } from './machine.js';
import { peakRssMiB } from './memory.js';
import { openSession, type BenchSession, type Outputs, RUNTIMES, type RuntimeName } from './runtimes.js';
import { fmt, markdownTable, median, oneLine } from './table.js';

const TOL = { rtol: 1e-4, atol: 1e-5 };
const MEMORY_RUNS = 3;
const SETTLE_MS = 100; // pause before each block of runs (see time())

type Side = { session?: BenchSession; createMs?: number; error?: string };
type Row = Record<string, string>;

const log = (s: string) => process.stderr.write(s + '\n');

async function open(runtime: RuntimeName, model: ModelInfo, threads: number): Promise<Side> {
  try {
    return await openSession(runtime, model.path, threads);
  } catch (e) {
    log(`  ${runtime}: create failed: ${oneLine(e, 400)}`);
    return { error: `create failed: ${oneLine(e)}` };
  }
}

/**
 * Warm-up, then timed runs in blocks: one runtime runs `block` times in a row, then the other, and who goes
 * first swaps from one pair of blocks to the next, so a slow moment of the machine still hits both. Each
 * block starts with a pause and one untimed run, because a runtime's idle threads disturb the other one:
 * onnxruntime's intra-op threads keep spinning for 20-30 ms after its run returns (measured: one of them used
 * a whole core through our next resnet18 run, even 20 ms later, which made that run 1.8x slower than the
 * same run after one of ours), and ours spin for a few ms. The pause lets both go idle; the untimed run
 * wakes the next runtime's threads. `--block 1` alternates single runs with neither.
 */
async function time(sides: Record<RuntimeName, Side>, model: ModelInfo, batch: number, args: BenchArgs) {
  const inputs = makeInputs(model, batch);
  const runs: Partial<Record<RuntimeName, () => Promise<Outputs>>> = {};
  const ms: Record<RuntimeName, number[]> = { ours: [], ort: [] };
  const last: Partial<Record<RuntimeName, Outputs>> = {};
  const errors: Partial<Record<RuntimeName, string>> = {};
  for (const rt of RUNTIMES) {
    const s = sides[rt];
    if (s.session) runs[rt] = s.session.bind(inputs);
    else errors[rt] = s.error;
  }
  const once = async (rt: RuntimeName, timed: boolean) => {
    const run = runs[rt];
    if (!run) return;
    try {
      const t0 = performance.now();
      last[rt] = await run();
      if (timed) ms[rt].push(performance.now() - t0);
    } catch (e) {
      log(`  ${rt}: run failed: ${oneLine(e, 400)}`);
      errors[rt] = `run failed: ${oneLine(e)}`;
      delete runs[rt];
    }
  };
  for (let i = 0; i < args.warmup; i++) for (const rt of RUNTIMES) await once(rt, false);
  for (let done = 0, pair = 0; done < args.repeat; pair++) {
    const n = Math.min(args.block, args.repeat - done);
    for (const rt of pair % 2 ? [...RUNTIMES].reverse() : RUNTIMES) {
      if (args.block > 1) {
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        await once(rt, false);
      }
      for (let j = 0; j < n; j++) await once(rt, true);
    }
    done += n;
  }
  return { ms, last, errors };
}

/** Max abs diff over all outputs; `ok` is false when any output is outside the oracle test's tolerance. */
function diffCell(ours: Outputs | undefined, ort: Outputs | undefined): { text: string; ok: boolean } {
  if (!ours || !ort) return { text: '-', ok: true };
  const bad = (text: string) => ({ text, ok: false });
  let worst = 0;
  for (const [name, want] of Object.entries(ort)) {
    const got = ours[name];
    if (!got) return bad(`missing output ${name}`);
    const r = allclose(got, want, scaledTolerance(want, TOL));
    if (r.mismatches < 0) return bad(`${name}: ${r.failure}`);
    worst = Math.max(worst, r.maxAbsDiff);
    if (r.failure) return bad(`${worst.toExponential(1)} (${name} out of tolerance)`);
  }
  return { text: worst.toExponential(1), ok: true };
}

async function memoryCells(
  sides: Record<RuntimeName, Side>,
  model: ModelInfo,
  batch: number,
  threads: number,
): Promise<[string, string]> {
  const cells: string[] = [];
  for (const rt of RUNTIMES) {
    if (sides[rt].error) {
      cells.push('-');
      continue;
    }
    log(`  ${rt}: peak memory in a child process`);
    try {
      cells.push(
        fmt(await peakRssMiB({ runtime: rt, model: model.name, batch, threads, runs: MEMORY_RUNS }), 0),
      );
    } catch (e) {
      cells.push(oneLine(e, 80));
    }
  }
  return [cells[0], cells[1]];
}

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    log(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const missing = modelsUnavailable();
  if (missing) {
    log(`bench: ${missing}`);
    process.exit(1);
  }
  const models = args.models.map((m) => findModel(m));
  const rows: Row[] = [];
  for (const model of models) {
    for (const threads of args.threads) {
      log(`[${model.name} threads ${threads}] creating sessions`);
      const sides = { ours: await open('ours', model, threads), ort: await open('ort', model, threads) };
      for (const batch of args.batches) {
        log(
          `[${model.name} batch ${batch} threads ${threads}] ${args.warmup} warm-up + ${args.repeat} timed runs each`,
        );
        const { ms, last, errors } = await time(sides, model, batch, args);
        const ours = errors.ours ? undefined : median(ms.ours);
        const ort = errors.ort ? undefined : median(ms.ort);
        const diff = diffCell(last.ours, last.ort);
        const ratio = ours !== undefined && ort !== undefined ? fmt(ours / ort) : '-';
        const row: Row = {
          model: model.name,
          batch: String(batch),
          threads: String(threads),
          'ours ms': errors.ours ?? fmt(ours),
          'ort ms': errors.ort ?? fmt(ort),
          'ours/ort': diff.ok ? ratio : `${ratio} (wrong output)`,
          'create ours ms': fmt(sides.ours.createMs, 0),
          'create ort ms': fmt(sides.ort.createMs, 0),
          'max abs diff': diff.text,
        };
        if (args.memory) {
          [row['peak RSS ours MiB'], row['peak RSS ort MiB']] = await memoryCells(
            sides,
            model,
            batch,
            threads,
          );
        }
        log(`  ours ${row['ours ms']} ms, ort ${row['ort ms']} ms, ratio ${row['ours/ort']}`);
        rows.push(row);
      }
      // Releasing ours drops the compiled model from the process registry, so the next create is cold again.
      for (const rt of RUNTIMES) await sides[rt].session?.release();
    }
  }
  const header = Object.keys(rows[0] ?? {});
  const lines = [
    ...machineLines(),
    `median of ${args.repeat} runs after ${args.warmup} warm-up runs, in blocks of ${args.block} per runtime`,
  ];
  if (args.memory) {
    const base = await peakRssMiB({ runtime: 'none', model: '', batch: 1, threads: 1, runs: 0 }).catch(
      () => NaN,
    );
    lines.push(`peak RSS (VmHWM) of a child that loads no runtime (node + tsx): ${fmt(base, 0)} MiB`);
  }
  process.stdout.write(
    lines.join('\n') +
      '\n\n' +
      markdownTable(
        header,
        rows.map((r) => header.map((h) => r[h])),
      ) +
      '\n',
  );
}

await main();
