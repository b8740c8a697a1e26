// Worker discovery through the NATS service API ($SRV.INFO and $SRV.STATS), against services registered here
// the way the worker registers itself: metadata worker_id/providers/models, a JSON stats object as endpoint data.
import { Svcm } from '@nats-io/services';
import type { FleetClient } from '../../client/index.js';
import { natsSuite } from './nats.js';

const { client, it } = natsSuite();

async function registerWorker(
  fleet: FleetClient,
  workerId: string,
  models: string[],
  stats: Record<string, unknown>,
) {
  const svcm = new Svcm(fleet.connection.nc as unknown as ConstructorParameters<typeof Svcm>[0]);
  const service = await svcm.add({
    name: fleet.connection.names.serviceName,
    version: '0.1.0',
    metadata: { worker_id: workerId, providers: 'cpu,cuda:0', models: models.join(',') },
    statsHandler: () => Promise.resolve(stats),
  });
  for (const model of models) {
    service.addEndpoint(`infer-${model}`, {
      subject: fleet.connection.names.infer(model),
      queue: 'workers',
      handler: (_err, msg) => msg.respond(new Uint8Array(0)),
    });
  }
  return service;
}

it('workers() is empty when no worker runs', async (t) => {
  const fleet = await client();
  t.deepEqual(await fleet.workers({ timeoutMs: 300 }), []);
});

it('workers() lists each worker with its metadata and stats', async (t) => {
  const fleet = await client();
  const a = await registerWorker(fleet, 'worker-a', ['resnet', 'bert'], {
    workerId: 'worker-a',
    models: [
      { name: 'resnet', version: '1', requests: 10, errors: 1 },
      { name: 'bert', version: '2', requests: 3, errors: 0 },
    ],
    queueDepth: 4,
    inFlight: 2,
    draining: false,
  });
  const b = await registerWorker(fleet, 'worker-b', ['resnet'], {
    workerId: 'worker-b',
    models: [],
    queueDepth: 0,
    inFlight: 0,
    draining: true,
  });
  t.teardown(async () => {
    await a.stop();
    await b.stop();
  });
  const workers = await fleet.workers();
  t.deepEqual(
    workers.map((w) => w.workerId),
    ['worker-a', 'worker-b'],
  );
  const [wa, wb] = workers;
  t.deepEqual(wa.providers, ['cpu', 'cuda:0']);
  t.deepEqual(wa.models, ['resnet', 'bert']);
  t.is(wa.version, '0.1.0');
  t.truthy(wa.serviceId);
  t.is(wa.metadata.worker_id, 'worker-a');
  t.like(wa.stats, { queueDepth: 4, inFlight: 2, draining: false });
  t.deepEqual(wa.stats!.models, [
    { name: 'resnet', version: '1', requests: 10, errors: 1 },
    { name: 'bert', version: '2', requests: 3, errors: 0 },
  ]);
  t.deepEqual(wa.stats!.endpoints.map((e) => e.subject).sort(), [
    fleet.connection.names.infer('bert'),
    fleet.connection.names.infer('resnet'),
  ]);
  t.deepEqual(wb.models, ['resnet']);
  t.true(wb.stats!.draining);
});
