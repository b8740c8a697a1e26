// `onnxfleet up` as a user runs it: a local cluster comes up, pushes the models of a folder, `onnxfleet status`
// shows the worker, the model and its placement, and Ctrl-C (SIGINT) stops everything cleanly.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { buildDemoClassifier } from '../../engine/index.js';
import { natsServerAvailable } from '../helpers/nats-server.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const missing = natsServerAvailable();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args],
      { cwd: repoRoot },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

(missing ? test.skip : test)('up starts a cluster that status describes, and Ctrl-C stops it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'onnxfleet-up-'));
  try {
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'tiny-net.onnx'), buildDemoClassifier({ seed: 1 }).toBytes());
    const port = await freePort();
    const up = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/main.ts',
        'up',
        '--workers',
        '1',
        '--port',
        String(port),
        '--store-dir',
        join(dir, 'nats'),
        '--models',
        join(dir, 'models'),
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } },
    );
    let out = '';
    up.stdout.on('data', (d) => (out += d));
    up.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 90_000;
    while (!/Ctrl-C stops everything/.test(out)) {
      if (Date.now() > deadline || up.exitCode !== null) t.fail(`up did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    t.regex(out, /pushed tiny-net/);
    t.regex(out, new RegExp(`NATS\\s+nats://127\\.0\\.0\\.1:${port}`));

    let status = '';
    for (let i = 0; i < 100; i++) {
      const r = await cli(['status', '--nats', `nats://127.0.0.1:${port}`]);
      t.is(r.code, 0, r.stderr);
      status = r.stdout;
      if (/placement \(1\)[\s\S]*tiny-net\s+1\s+w-/.test(status)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    t.regex(status, /workers \(1\)/);
    t.regex(status, /models \(1\)[\s\S]*tiny-net/);
    t.regex(status, /placement \(1\)[\s\S]*tiny-net\s+1\s+w-/);

    up.kill('SIGINT');
    t.is(await exited, 0, out);
    t.regex(out, /stopped/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
