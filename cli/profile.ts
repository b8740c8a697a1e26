// `--profile` output: where the time goes per op type, and the Chrome trace file of every timed run.
import { type InferenceSession, summarizeByOpType } from '../engine/index.js';

export function printProfile(session: InferenceSession): void {
  const rows = summarizeByOpType(session.profiledRuns);
  const total = rows.reduce((a, r) => a + r.totalMs, 0);
  console.log(`profile: ${total.toFixed(3)} ms of node time per run`);
  console.log(
    `  ${'op type'.padEnd(24)} ${'nodes'.padStart(6)} ${'ms/run'.padStart(9)} ${'share'.padStart(7)}`,
  );
  for (const r of rows) {
    const share = `${(r.share * 100).toFixed(1)}%`;
    console.log(
      `  ${r.opType.padEnd(24)} ${String(r.calls).padStart(6)} ${r.totalMs.toFixed(3).padStart(9)} ${share.padStart(7)}`,
    );
  }
  console.log(`trace: ${session.endProfiling()} (open in https://ui.perfetto.dev)`);
}
