import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The emulator's Prometheus metrics, per function (the names the alert rules and dashboard use). */
export interface EmulatorMetrics {
  readonly registry: Registry;
  readonly invocations: Counter<'function'>;
  readonly errors: Counter<'function'>;
  readonly duration: Histogram<'function'>;
  readonly batchSize: Histogram<'function'>;
  readonly offsetLag: Gauge<'function' | 'topic' | 'partition'>;
  /** Records sent to the on-failure destination (or dropped without one), by condition. */
  readonly onFailureRecords: Counter<'function' | 'topic' | 'condition'>;
  /** 1 while the trigger's consumer is a member of its group, 0 while it is starting or down. */
  readonly triggerUp: Gauge<'function' | 'topic'>;
  /** Consumers restarted by the emulator (crashed, stopped or stalled), by trigger. */
  readonly triggerRestarts: Counter<'function' | 'topic'>;
}

/**
 * Creates the registry. `deadLettersByStatus`, when given, is read at each scrape: the letters of
 * the read model by status (`parked` is what the parked-letters alarm watches).
 */
export function createEmulatorMetrics(
  deadLettersByStatus?: () => Promise<ReadonlyMap<string, number>>,
): EmulatorMetrics {
  const registry = new Registry();
  const metrics: EmulatorMetrics = {
    registry,
    invocations: new Counter({
      name: 'msk_offline_invocations_total',
      help: 'Invocations of the function by the MSK emulator',
      labelNames: ['function'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'msk_offline_invocation_errors_total',
      help: 'Invocations that failed (function error or failed records of a partial batch response)',
      labelNames: ['function'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'msk_offline_invocation_duration_seconds',
      help: 'Duration of an invocation',
      labelNames: ['function'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'msk_offline_batch_size',
      help: 'Records per invocation',
      labelNames: ['function'],
      buckets: [1, 5, 10, 25, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    offsetLag: new Gauge({
      name: 'msk_offline_offset_lag',
      help: 'Records of the partition after the offset the trigger committed: log end minus committed offset (MSK OffsetLag)',
      labelNames: ['function', 'topic', 'partition'],
      registers: [registry],
    }),
    onFailureRecords: new Counter({
      name: 'msk_offline_on_failure_records_total',
      help: 'Records given up on (RetriesExhausted, RecordAgeExceeded) and sent to the on-failure destination',
      labelNames: ['function', 'topic', 'condition'],
      registers: [registry],
    }),
    triggerUp: new Gauge({
      name: 'msk_offline_trigger_up',
      help: "1 while the trigger's consumer is a member of its group and fetching, 0 while it is starting or down",
      labelNames: ['function', 'topic'],
      registers: [registry],
    }),
    triggerRestarts: new Counter({
      name: 'msk_offline_trigger_restarts_total',
      help: 'Consumers the emulator restarted because they crashed, stopped or stalled',
      labelNames: ['function', 'topic'],
      registers: [registry],
    }),
  };
  if (deadLettersByStatus) {
    new Gauge({
      name: 'billing_dead_letters',
      help: 'Dead letters in the read model, by status (parked ones wait for a person)',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const counts = await deadLettersByStatus().catch(() => undefined);
        if (!counts) return;
        this.reset();
        for (const status of ['received', 'retrying', 'resolved', 'parked', 'discarded']) {
          this.set({ status }, counts.get(status) ?? 0);
        }
      },
    });
  }
  return metrics;
}

/** Serves the registry at http://<host>:<port>/metrics. */
export async function serveMetrics(registry: Registry, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry
      .metrics()
      .then((text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch((error: Error) => response.writeHead(500).end(error.message));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
