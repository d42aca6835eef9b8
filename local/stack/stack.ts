import { join } from 'node:path';
import {
  chooseMode,
  composeDown,
  composeStatus,
  composeUp,
  dockerStart,
  dockerStop,
  recordedMode,
  recordMode,
  type StackMode,
} from './docker-mode';
import { emulatorTriggers } from './emulator-status';
import { waitForCluster } from './health';
import {
  applyRoleAcls,
  certificatesExist,
  ensureCertificates,
  ensureScramUsers,
  secureBootstrapBrokers,
  securityPaths,
} from './kafka-security';
import {
  ensureKafkaDistribution,
  isNodeRunning,
  kafkaClasspath,
  kafkaLogFile,
  nativeKafkaPid,
  prepareNode,
  startNode,
  stopNode,
} from './native-kafka';
import {
  awaitOperatorServices,
  launchOperatorServices,
  operatorEndpoints,
  operatorStatus,
  stackProfile,
  stopOperatorServices,
} from './operator-services';
import { fileExists, paths, repoRoot } from './paths';
import { isPostgresRunning, postgresLogFile, startPostgres, stopPostgres } from './postgres';
import { runCommandOrThrow } from './run-command';
import { bootstrapBrokers, composeServices, kafkaNodeById, kafkaNodes, localDatabaseUrl } from './topology';

type Log = (line: string) => void;

/** The database the stack's users and tests use: DATABASE_URL if set, else the stack's own. */
export const databaseUrl = (): string => process.env.DATABASE_URL ?? localDatabaseUrl;
const externalDatabase = () => process.env.DATABASE_URL !== undefined;

/** Brings the whole local stack up (idempotent) and waits until the cluster is ready. */
export async function stackUp(log: Log): Promise<StackMode> {
  const mode = recordedMode() ?? (await chooseMode());
  log(
    `Local stack mode: ${mode === 'docker' ? 'docker compose (a Docker engine answers)' : 'native (no Docker engine)'}`,
  );
  recordMode(mode);
  // The secured listener's certificates exist before a broker starts (both modes mount them).
  await ensureCertificates(log);
  // The Java tools (SCRAM users) run on this host with the same Kafka version's jars, in both modes.
  const libs = await ensureKafkaDistribution(log);
  if (mode === 'docker') {
    log('Starting docker compose services ...');
    await composeUp();
  } else {
    for (const node of kafkaNodes) {
      await prepareNode(node, libs);
      const outcome = startNode(node, libs);
      log(`  ${node.name}: ${outcome} (pid ${nativeKafkaPid(node)}, log ${kafkaLogFile(node)})`);
    }
    if (externalDatabase()) {
      log('  PostgreSQL: using DATABASE_URL, no private cluster started');
    } else {
      const outcome = await startPostgres(log);
      log(`  PostgreSQL: ${outcome} (log ${postgresLogFile})`);
    }
  }
  const operators = mode === 'native' && stackProfile() === 'full';
  if (operators) {
    log('Starting the operator services (STACK_PROFILE=lean leaves them out) ...');
    await launchOperatorServices(log);
  }
  log('Waiting for three registered brokers and a controller quorum leader ...');
  const { brokers, quorum } = await waitForCluster(180_000, log);
  log(`  brokers [${brokers.join(', ')}] registered; quorum leader ${quorum.leaderId}`);
  log(`Securing the SASL_SSL listener (${secureBootstrapBrokers.join(',')}) ...`);
  await ensureScramUsers(kafkaClasspath(libs), log);
  await applyRoleAcls(log);
  await migrate(log);
  if (operators) {
    log('Waiting for the operator services ...');
    await awaitOperatorServices();
  }
  return mode;
}

/** Applies the read model's migrations with node-pg-migrate. */
export async function migrate(log: Log): Promise<void> {
  log('Applying database migrations ...');
  const result = await runCommandOrThrow(
    join(repoRoot, 'node_modules', '.bin', 'node-pg-migrate'),
    ['up', '--migrations-dir', paths.migrations, '--verbose', 'false'],
    { timeoutMs: 120_000, env: { ...process.env, DATABASE_URL: databaseUrl() }, cwd: repoRoot },
  );
  const applied = result.stdout
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('> Migrating files:') || line.startsWith('> - ') || line.includes('No migrations'),
    );
  for (const line of applied) log(`  ${line}`);
}

/** Stops what stack:up started, and only that. */
export async function stackDown(log: Log): Promise<void> {
  const mode = recordedMode() ?? (await chooseMode());
  if (mode === 'docker') {
    log('Stopping docker compose services (data volumes are kept) ...');
    await composeDown();
    return;
  }
  // Whatever the profile: stop what an earlier full stack:up started.
  await stopOperatorServices(log);
  // All nodes at once: each node's broker part then makes its controlled shutdown while the
  // controller quorum is still there. One by one, the last node would wait for a quorum that
  // is gone.
  const stopped = await Promise.all(kafkaNodes.map((node) => stopNode(node)));
  kafkaNodes.forEach((node, index) => {
    const outcome = stopped[index];
    log(
      `  ${node.name}: ${outcome === 'killed' ? 'killed after 60 s without a clean shutdown' : outcome === 'stopped' ? 'stopped' : 'was not running'}`,
    );
  });
  if (!externalDatabase()) {
    const stopped = await stopPostgres();
    log(`  PostgreSQL: ${stopped ? 'stopped' : 'was not running'}`);
  }
}

/** Says what runs. */
export async function stackStatus(log: Log): Promise<boolean> {
  const mode = recordedMode();
  if (mode === 'docker') {
    log(await composeStatus());
    return true;
  }
  log(`Local stack mode: ${mode ?? 'not started yet'} (state in ${paths.run})`);
  let allUp = true;
  for (const node of kafkaNodes) {
    const pid = nativeKafkaPid(node);
    allUp &&= pid !== undefined;
    log(
      `  ${node.name}: ${pid ? `running (pid ${pid})` : 'stopped'}  localhost:${node.port}  metrics :${node.metricsPort}`,
    );
  }
  if (externalDatabase()) {
    log('  PostgreSQL: external (DATABASE_URL)');
  } else {
    const running = await isPostgresRunning();
    allUp &&= running;
    log(`  PostgreSQL: ${running ? 'running' : 'stopped'}`);
  }
  log(
    certificatesExist()
      ? `  Secured listener: ${secureBootstrapBrokers.join(',')} (SASL_SSL, SCRAM-SHA-512); CA ${securityPaths.ca}; credentials ${securityPaths.credentialsDir}/<user>.json`
      : '  Secured listener: no certificates yet (npm run stack:up makes them)',
  );
  log(
    `  API credentials: ${fileExists(paths.apiCredentials) ? paths.apiCredentials : 'none yet (npm run stack:up or npm start writes them)'}`,
  );
  const profile = stackProfile();
  allUp = operatorStatus(log, profile === 'full') && allUp;
  if (profile === 'lean') log('  (STACK_PROFILE=lean: the operator services are not expected)');
  return (await reportEmulatorTriggers(log)) && allUp;
}

/** The triggers of a running `sls offline` (npm start): false when one is down. */
async function reportEmulatorTriggers(log: Log): Promise<boolean> {
  const port = process.env.MSK_OFFLINE_METRICS_PORT ?? '9464';
  const triggers = await emulatorTriggers(`http://127.0.0.1:${port}/metrics`);
  if (triggers === undefined) {
    log(`  MSK emulator: not running (no metrics on 127.0.0.1:${port})`);
    return true;
  }
  log(
    `  MSK emulator (metrics 127.0.0.1:${port}):${triggers.length === 0 ? ' no trigger states reported' : ''}`,
  );
  for (const trigger of triggers) {
    log(
      trigger.up
        ? `    ${trigger.functionKey} <- ${trigger.topic}: up`
        : `  ! ${trigger.functionKey} <- ${trigger.topic}: DOWN (the emulator restarts it; see the sls offline log)`,
    );
  }
  return triggers.every((trigger) => trigger.up);
}

/** Prints where everything listens. */
export function printEndpoints(mode: StackMode, log: Log): void {
  log('');
  log('The local stack is up:');
  log(`  Kafka bootstrap     ${bootstrapBrokers.join(',')}`);
  log(`  Kafka SASL_SSL      ${secureBootstrapBrokers.join(',')} (SCRAM-SHA-512; docs/operations.md)`);
  log(`  Kafka CA, users     ${securityPaths.ca}, ${securityPaths.credentialsDir}/`);
  log(
    `  Broker metrics      ${kafkaNodes.map((node) => `http://localhost:${node.metricsPort}/metrics`).join(' ')}`,
  );
  log(`  PostgreSQL          ${databaseUrl().replace(/:[^:@/]+@/, ':***@')}`);
  log(`  API credentials     ${paths.apiCredentials} (a key per principal; docs/api.md)`);
  if (mode === 'docker') {
    log(`  Schema Registry     ${composeServices.schemaRegistry}`);
    log(`  Kafka UI            ${composeServices.kafkaUi}`);
    log(`  Prometheus          ${composeServices.prometheus}`);
    log(`  Grafana             ${composeServices.grafana}`);
  } else {
    if (stackProfile() === 'full') {
      for (const [name, url] of operatorEndpoints()) log(`  ${name.padEnd(20)}${url}`);
    }
    log(`  Logs                ${paths.logs}/ and ${postgresLogFile}`);
  }
}

/** Stops one Kafka node (both modes): for fault tests. */
export async function stopKafkaNode(nodeId: number): Promise<void> {
  const node = kafkaNodeById(nodeId);
  if (recordedMode() === 'docker') return dockerStop(node.name);
  await stopNode(node);
}

/** Starts one Kafka node again (both modes): for fault tests. */
export async function startKafkaNode(nodeId: number): Promise<void> {
  const node = kafkaNodeById(nodeId);
  if (recordedMode() === 'docker') return dockerStart(node.name);
  const libs = await ensureKafkaDistribution(() => undefined);
  startNode(node, libs);
}

export const kafkaNodeRunning = (nodeId: number): boolean => isNodeRunning(kafkaNodeById(nodeId));
