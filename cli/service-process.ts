// What the long-running commands (worker, coordinator) share: --nats/--prefix/--metrics-port/--log-level,
// telemetry set up for the process and flushed at the end, a "<name> ready" line for supervisors and tests,
// and a graceful stop on SIGINT/SIGTERM.
import { Command, Option } from 'commander';
import { pino, type Logger } from 'pino';
import { setupTelemetry } from '../observability/index.js';
import { nonNegativeInt } from './arguments.js';

export interface ServiceFlags {
  nats?: string;
  prefix: string;
  metricsPort?: number;
  logLevel: string;
}

/** A command with the options every long-running onnxfleet process takes. */
export function serviceCommand(name: string): Command {
  return new Command(name)
    .option('--nats <url>', 'NATS server URL (default: $NATS_URL or nats://127.0.0.1:4222)')
    .option('--prefix <prefix>', 'subject and bucket prefix', 'onnxfleet')
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics on this port at /metrics (default: $ONNXFLEET_METRICS_PORT; 0: off)',
      nonNegativeInt,
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    );
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/**
 * Runs a service until SIGINT/SIGTERM: telemetry (traces from OTEL_*, metrics on --metrics-port; nothing
 * configured, nothing installed), `start` returns the ready line's text and the graceful stop.
 */
export async function runService(
  service: string,
  flags: ServiceFlags,
  start: (log: Logger) => Promise<{ ready: string; stop: () => Promise<void> }>,
): Promise<void> {
  const log = pino({ name: `onnxfleet-${service}`, level: flags.logLevel });
  const telemetry = await setupTelemetry({
    serviceName: `onnxfleet-${service}`,
    metricsPort: flags.metricsPort,
  });
  try {
    const running = await start(log);
    // Tests and supervisors wait for this line before sending work.
    process.stdout.write(`${running.ready}\n`);
    await untilSignal();
    await running.stop();
  } finally {
    await telemetry.shutdown(); // flush the last spans
  }
}
