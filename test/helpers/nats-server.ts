// Tests use the same nats-server launcher as `onnxfleet up`: JetStream, a random loopback port, a temporary store.
export {
  natsServerAvailable,
  startNatsServer,
  stopProcess,
  type NatsServer,
} from '../../cli/local/nats-server.js';
