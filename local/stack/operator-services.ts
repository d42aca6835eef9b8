import {
  kafkaUiLogFile,
  kafkaUiPid,
  kafkaUiReady,
  kafkaUiUrl,
  startKafkaUi,
  stopKafkaUi,
} from './native-kafka-ui';
import {
  prometheusLogFile,
  prometheusPid,
  prometheusReady,
  prometheusUrl,
  startPrometheus,
  stopPrometheus,
} from './native-prometheus';
import {
  configureSchemaRegistry,
  nativeRegistryUrl,
  registryLogFile,
  schemaRegistryPid,
  schemaRegistryReady,
  startSchemaRegistry,
  stopSchemaRegistry,
} from './native-schema-registry';
import type { StopOutcome } from './processes';

type Log = (line: string) => void;

/**
 * The operator services of native mode (Prometheus with the dashboards, Schema Registry, Kafka
 * UI), beside the brokers and PostgreSQL. STACK_PROFILE=lean leaves them out.
 */
export type StackProfile = 'full' | 'lean';

export function stackProfile(env: NodeJS.ProcessEnv = process.env): StackProfile {
  const profile = env.STACK_PROFILE;
  if (profile === undefined || profile === '' || profile === 'full') return 'full';
  if (profile === 'lean') return 'lean';
  throw new Error(`STACK_PROFILE must be "full" or "lean", got "${profile}"`);
}

interface OperatorService {
  readonly name: string;
  readonly url: string;
  readonly logFile: string;
  readonly start: (log: Log) => Promise<'started' | 'running'>;
  readonly stop: () => Promise<StopOutcome>;
  readonly pid: () => number | undefined;
  readonly ready: () => Promise<boolean>;
  /** Run once it answers (idempotent). */
  readonly configure?: () => Promise<void>;
}

export const operatorServices: readonly OperatorService[] = [
  {
    name: 'Prometheus',
    url: prometheusUrl,
    logFile: prometheusLogFile,
    start: () => startPrometheus(),
    stop: stopPrometheus,
    pid: prometheusPid,
    ready: prometheusReady,
  },
  {
    name: 'Schema Registry',
    url: nativeRegistryUrl,
    logFile: registryLogFile,
    start: startSchemaRegistry,
    stop: stopSchemaRegistry,
    pid: schemaRegistryPid,
    ready: schemaRegistryReady,
    configure: configureSchemaRegistry,
  },
  {
    name: 'Kafka UI',
    url: kafkaUiUrl,
    logFile: kafkaUiLogFile,
    start: startKafkaUi,
    stop: stopKafkaUi,
    pid: kafkaUiPid,
    ready: kafkaUiReady,
  },
];

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function waitReady(service: OperatorService, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await service.ready()) {
      await service.configure?.();
      return;
    }
    if (service.pid() === undefined) {
      throw new Error(`${service.name} exited while starting: read ${service.logFile}`);
    }
    await sleep(250);
  }
  throw new Error(
    `${service.name} did not answer at ${service.url} within ${timeoutMs / 1000}s: read ${service.logFile}`,
  );
}

/**
 * Starts every operator service that does not run (each fetched on first use), without waiting:
 * their start-up overlaps the cluster's readiness check and the migrations.
 */
export async function launchOperatorServices(log: Log): Promise<void> {
  for (const service of operatorServices) {
    const outcome = await service.start(log);
    log(`  ${service.name}: ${outcome} (pid ${service.pid()}, log ${service.logFile})`);
  }
}

/** Waits until every operator service answers, then configures those that need it. */
export async function awaitOperatorServices(timeoutMs = 120_000): Promise<void> {
  await Promise.all(operatorServices.map((service) => waitReady(service, timeoutMs)));
}

/** Stops every operator service that runs. */
export async function stopOperatorServices(log: Log): Promise<void> {
  const outcomes = await Promise.all(operatorServices.map((service) => service.stop()));
  operatorServices.forEach((service, index) => {
    const outcome = outcomes[index];
    log(`  ${service.name}: ${outcome === 'not-running' ? 'was not running' : outcome}`);
  });
}

/** One status line per operator service; `allUp` is false when one of them is expected and down. */
export function operatorStatus(log: Log, expected: boolean): boolean {
  let allUp = true;
  for (const service of operatorServices) {
    const pid = service.pid();
    if (expected) allUp &&= pid !== undefined;
    log(`  ${service.name}: ${pid ? `running (pid ${pid})` : 'stopped'}  ${service.url}`);
  }
  return allUp;
}

/** The operator services' addresses, for the endpoints printed by stack:up. */
export const operatorEndpoints = (): readonly (readonly [string, string])[] => [
  ['Prometheus', prometheusUrl],
  ['Dashboards', `${prometheusUrl}/consoles/index.html`],
  ['Schema Registry', nativeRegistryUrl],
  ['Kafka UI', kafkaUiUrl],
];
