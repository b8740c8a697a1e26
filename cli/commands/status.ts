// `onnxfleet status`: workers, models, placement and queue depths as tables.
import { clusterStatus } from '../../client/cluster-status.js';
import { clusterCommand, withClient, type ClusterFlags } from '../cluster.js';
import { textTable } from '../format.js';

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

async function status(flags: ClusterFlags): Promise<void> {
  await withClient(flags, async (client) => {
    const s = await clusterStatus(client.connection);
    const now = Date.now();
    console.log(`workers (${s.workers.length})`);
    console.log(
      textTable(
        ['ID', 'HOST', 'THREADS', 'MODELS', 'QUEUE', 'RUNNING', 'RSS', 'BUDGET', 'SEEN'],
        s.workers.map((w) => [
          w.workerId,
          w.hostname,
          `${w.poolThreads}x${w.intraOpThreads}`,
          w.models.map((m) => m.name).join(',') || '-',
          String(w.queueDepth),
          String(w.inFlight),
          mib(w.rssBytes),
          mib(w.memoryBudgetBytes),
          `${((now - w.heartbeatUnixMs) / 1000).toFixed(1)}s ago${w.draining ? ' (draining)' : ''}`,
        ]),
      ),
    );
    console.log(`\nmodels (${s.models.length})`);
    console.log(
      textTable(
        ['NAME', 'VERSION', 'SIZE', 'STAGES', 'REPLICAS'],
        s.models.map((m) => [
          m.name,
          m.version,
          mib(m.size),
          String(m.stages || 'auto'),
          String(m.replicas || 'auto'),
        ]),
      ),
    );
    console.log(`\nplacement (${s.placements.length})`);
    console.log(
      textTable(
        ['MODEL', 'VERSION', 'WORKERS / STAGES', 'WHY'],
        s.placements.map((p) => [
          p.model,
          p.version,
          p.stages.length
            ? p.stages.map((st) => `${st.index}:${st.workers.join('+') || '?'}`).join(' -> ')
            : p.workers.join(',') || '-',
          p.reason,
        ]),
      ),
    );
    console.log(`\njob queues (${s.queues.length})`);
    console.log(
      textTable(
        ['MODEL', 'PENDING', 'RUNNING'],
        s.queues.map((q) => [q.model, String(q.pending), String(q.running)]),
      ),
    );
  });
}

export function statusCommand() {
  return clusterCommand('status')
    .description('print workers, models, placement and job queue depths')
    .action(status);
}
