import type { Server } from 'node:http';
import type { Kafka, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { CREDENTIALS_FILE_VARIABLE, ensureLocalCredentials } from '../../lib/api/local-credentials';
import { SCRAM_ADMIN_USER } from '../../lib/deploy/kafka-rights';
import { JavaCompatiblePartitioner } from '../../lib/kafka/partitioner';
import { ProjectionEnvVariable } from '../../lib/projection/constants';
import { localKafka } from '../stack/kafka-admin';
import { localFunctionRoles, secureLocalKafka, securityPaths } from '../stack/kafka-security';
import { paths } from '../stack/paths';
import { localDatabaseUrl } from '../stack/topology';
import { MSK_OFFLINE_DEFAULTS } from './constants';
import { lambdaInvokeApi } from './invoke';
import { LagMonitor } from './lag-monitor';
import { createEmulatorMetrics, serveMetrics } from './metrics';
import { type FunctionDefinition, type MskOfflineSettings, readSettings, readTriggers } from './settings';
import { TriggerConsumer } from './trigger-consumer';

// The parts of the Serverless Framework's plugin API the emulator uses.
interface Serverless {
  service: {
    custom?: Record<string, unknown>;
    provider: { region?: string; environment?: Record<string, unknown> };
    resources?: { extensions?: Record<string, unknown> };
    getAllFunctions(): string[];
    getFunction(key: string): FunctionDefinition & { environment?: Record<string, unknown> };
  };
}
interface PluginUtils {
  log: ((message: string) => void) & { notice(message: string): void; warning(message: string): void };
}

/** Variables of the AWS deployment that have no meaning offline (and would contradict the local ones). */
const AWS_ONLY_VARIABLES = [
  'MSK_CLUSTER_ARN',
  'KAFKA_AUTH',
  'KAFKA_SCRAM_SECRET_ARN',
  'DATABASE_SECRET_ARN',
  'NODE_EXTRA_CA_CERTS',
];

/**
 * Serverless plugin: under `sls offline`, emulates the MSK event source mapping of every `msk`
 * event (docs/offline.md). Any other command: nothing.
 */
export class MskOfflinePlugin {
  readonly hooks: Record<string, () => Promise<void> | void>;
  private consumers: TriggerConsumer[] = [];
  private readonly producers: Producer[] = [];
  private lagMonitor?: LagMonitor;
  private metricsServer?: Server;
  private pool?: Pool;
  private started = false;
  private stopped?: Promise<void>;

  constructor(
    private readonly serverless: Serverless,
    private readonly cliOptions: Record<string, unknown>,
    private readonly utils: PluginUtils,
  ) {
    this.hooks = {
      // `sls offline` runs only offline:start; `sls offline start` runs init, ready and end.
      'before:offline:start': () => this.prepare(),
      'before:offline:start:init': () => this.prepare(),
      'offline:start': () => this.start(),
      'offline:start:init': () => this.start(),
      'offline:start:end': () => this.stop(),
    };
  }

  private get custom(): Record<string, unknown> {
    return (this.serverless.service.custom?.mskOffline as Record<string, unknown> | undefined) ?? {};
  }

  private databaseUrl(): string {
    const configured = this.custom.databaseUrl;
    return process.env.DATABASE_URL ?? (typeof configured === 'string' ? configured : localDatabaseUrl);
  }

  /**
   * The functions' environment for the local cluster and database, instead of AWS's (and a run's
   * topic prefix, when it has one); and the billing API's local credentials (written once when missing), which its handler reads offline.
   */
  private prepare(): void {
    const settings = readSettings(this.custom);
    const environment = { ...(this.serverless.service.provider.environment ?? {}) };
    for (const name of AWS_ONLY_VARIABLES) delete environment[name];
    const credentials = process.env[CREDENTIALS_FILE_VARIABLE] ?? paths.apiCredentials;
    if (ensureLocalCredentials(credentials)) {
      this.utils.log.notice(`msk-offline: wrote the billing API's local credentials to ${credentials}`);
    }
    this.serverless.service.provider.environment = {
      ...environment,
      KAFKA_BROKERS: settings.brokers.join(','),
      DATABASE_URL: this.databaseUrl(),
      [CREDENTIALS_FILE_VARIABLE]: credentials,
      ...(settings.secure
        ? { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: securityPaths.ca, KAFKA_AUTH: 'scram' }
        : {}),
      // A run's own topics: the API's appends and the projectors' outbox go there too (serverless-offline
      // hands its workers only the service's environment, not the process's).
      ...(settings.topicPrefix ? { [ProjectionEnvVariable.topicPrefix]: settings.topicPrefix } : {}),
    };
    if (settings.topicPrefix) {
      this.utils.log.notice(`msk-offline: on the run's topics ${settings.topicPrefix}<topic>`);
    }
    if (settings.secure) {
      // Each function connects as its own SCRAM user, as each has its own role on AWS.
      const { service } = this.serverless;
      const users = new Map(localFunctionRoles().map((role) => [role.functionKey, role.user]));
      for (const key of service.getAllFunctions()) {
        const user = users.get(key);
        if (user === undefined) continue;
        const fn = service.getFunction(key);
        fn.environment = {
          ...(fn.environment ?? {}),
          KAFKA_SCRAM_CREDENTIALS_FILE: securityPaths.credentials(user),
        };
      }
      this.utils.log.notice(
        `msk-offline: through the SASL_SSL listener ${settings.brokers.join(',')}, each function as its own SCRAM user`,
      );
    }
  }

  /** A client of the cluster: as `user` through the secured listener when it is on, else plaintext. */
  private kafkaAs(settings: MskOfflineSettings, user: string): Kafka {
    if (!settings.secure) return localKafka('billing-msk-offline', settings.brokers);
    return secureLocalKafka(`billing-msk-offline-${user}`, user, settings.brokers);
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { service } = this.serverless;
    const settings = readSettings(this.custom);
    const functions = Object.fromEntries(
      service.getAllFunctions().map((key) => [key, service.getFunction(key)]),
    );
    const triggers = readTriggers({ functions, extensions: service.resources?.extensions ?? {}, settings });
    const offlineCustom =
      (service.custom?.['serverless-offline'] as Record<string, unknown> | undefined) ?? {};
    const lambdaPort = Number(
      this.cliOptions.lambdaPort ?? offlineCustom.lambdaPort ?? MSK_OFFLINE_DEFAULTS.lambdaPort,
    );
    const host = String(this.cliOptions.host ?? offlineCustom.host ?? 'localhost');
    const log = (message: string) => this.utils.log.notice(`msk-offline: ${message}`);

    this.pool = new Pool({ connectionString: this.databaseUrl(), max: 1 });
    this.pool.on('error', () => undefined);
    const pool = this.pool;
    const metrics = createEmulatorMetrics(async () => {
      const result = await pool.query<{ status: string; letters: string }>(
        'SELECT status, count(*) AS letters FROM dead_letters GROUP BY status',
      );
      return new Map(result.rows.map((row) => [row.status, Number(row.letters)]));
    });
    this.metricsServer = await serveMetrics(metrics.registry, settings.metricsPort, settings.metricsHost);

    // Plaintext: one client for everything. Secured: the poller of a trigger reads, and its on-failure
    // destination writes, as the function's SCRAM user (what its role may do on AWS); the lag
    // monitor reads every group's offsets as the admin.
    const users = new Map(localFunctionRoles().map((role) => [role.functionKey, role.user]));
    const userOf = (functionKey: string) => users.get(functionKey) ?? SCRAM_ADMIN_USER;
    const clients = new Map<string, { kafka: Kafka; producer: Producer }>();
    const clientOf = async (user: string) => {
      const key = settings.secure ? user : '';
      let client = clients.get(key);
      if (!client) {
        const kafka = this.kafkaAs(settings, user);
        // Not idempotent: kafkajs gives a failed request's sequence numbers back even when the
        // broker wrote it, and another trigger's on-failure record sent with them would be taken
        // for a duplicate and dropped (docs/contracts.md). A retried record may be written twice;
        // the dead-letter function stores each source record once.
        const producer = kafka.producer({
          idempotent: false,
          maxInFlightRequests: 1,
          createPartitioner: JavaCompatiblePartitioner,
        });
        client = { kafka, producer };
        clients.set(key, client);
        this.producers.push(producer);
        await producer.connect();
      }
      return client;
    };
    const eventSourceArn =
      typeof this.custom.clusterArn === 'string' ? this.custom.clusterArn : MSK_OFFLINE_DEFAULTS.clusterArn;
    for (const trigger of triggers) {
      const { kafka, producer } = await clientOf(userOf(trigger.functionKey));
      const consumer = new TriggerConsumer(trigger, {
        kafka,
        producer,
        invoke: lambdaInvokeApi(`http://${host === '0.0.0.0' ? 'localhost' : host}:${lambdaPort}`),
        metrics,
        region: service.provider.region ?? 'eu-west-1',
        eventSourceArn,
        bootstrapServers: settings.brokers,
        log,
        partitionsConcurrently: settings.partitionsConcurrently,
      });
      this.consumers.push(consumer);
      // Not awaited: joining a group can take a while (a rebalance) and must not hold up sls offline.
      consumer.start().then(
        () =>
          log(
            `${trigger.functionKey} <- ${trigger.topic} (group ${trigger.consumerGroupId}, ${trigger.startingPosition}, batch ${trigger.batchSize}, window ${trigger.maximumBatchingWindowSeconds} s)`,
          ),
        (error: Error) =>
          log(`${trigger.functionKey} <- ${trigger.topic}: the consumer did not start: ${error.message}`),
      );
    }
    this.lagMonitor = new LagMonitor(this.kafkaAs(settings, SCRAM_ADMIN_USER), triggers, metrics, log);
    this.lagMonitor.start();
    log(`metrics on http://${settings.metricsHost}:${settings.metricsPort}/metrics`);
    // `sls offline` (no `start`) has no end hook and serverless-offline exits right after its own
    // shutdown: the consumers start leaving on the signal, but may not finish (uncommitted records
    // are delivered again). `sls offline start`, what npm start runs, stops them before it exits.
    process.once('SIGINT', () => void this.stop());
    process.once('SIGTERM', () => void this.stop());
  }

  private stop(): Promise<void> {
    this.stopped ??= (async () => {
      await Promise.allSettled(this.consumers.map((consumer) => consumer.stop()));
      await this.lagMonitor?.stop();
      await Promise.allSettled(this.producers.map((producer) => producer.disconnect()));
      await this.pool?.end().catch(() => undefined);
      await new Promise<void>((resolve) =>
        this.metricsServer ? this.metricsServer.close(() => resolve()) : resolve(),
      );
      this.utils.log.notice('msk-offline: consumers stopped');
    })();
    return this.stopped;
  }
}
