import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProperties, type Properties, readBrokerSettings } from './broker-settings';
import { SECURE_LISTENER, secureListenerProperties } from './kafka-security';
import { paths } from './paths';
import {
  findManagedProcess,
  processMarker,
  type StopOutcome,
  startManagedProcess,
  stopManagedProcess,
} from './processes';
import { runCommandOrThrow } from './run-command';
import { type KafkaNode, kafkaNodes } from './topology';

/** The Kafka version of native mode, from local/native/pom.xml (the compose image has the same tag). */
export function nativeKafkaVersion(): string {
  const pom = readFileSync(paths.nativePom, 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error(`${paths.nativePom}: <kafka.version> is missing`);
  return version;
}

const libsDir = () => join(paths.kafkaHome(nativeKafkaVersion()), 'libs');

/**
 * Fetches the Kafka jars (and the JMX exporter agent) from Maven Central with Maven, unless this
 * version is already under .stack. Maven's own cache (~/.m2) makes a re-fetch cheap.
 */
export async function ensureKafkaDistribution(log: (line: string) => void): Promise<string> {
  const version = nativeKafkaVersion();
  const libs = libsDir();
  if (existsSync(join(libs, `kafka_2.13-${version}.jar`))) return libs;
  log(`Fetching Apache Kafka ${version} jars with Maven into ${libs} ...`);
  const staging = `${libs}.partial`;
  rmSync(staging, { recursive: true, force: true });
  await runCommandOrThrow(
    'mvn',
    ['-B', '-q', '-f', paths.nativePom, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`],
    { timeoutMs: 15 * 60_000 },
  );
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  log(`  ${readdirSync(libs).length} jars`);
  return libs;
}

function jmxAgentJar(libs: string): string {
  const agent = readdirSync(libs).find((file) => file.startsWith('jmx_prometheus_javaagent-'));
  if (!agent) throw new Error(`JMX exporter agent jar missing in ${libs}`);
  return join(libs, agent);
}

/** The classpath of the Kafka node and tools: every jar but the exporter agent. */
export function kafkaClasspath(libs: string): string {
  return readdirSync(libs)
    .filter((file) => file.endsWith('.jar') && !file.startsWith('jmx_prometheus_javaagent-'))
    .map((file) => join(libs, file))
    .join(':');
}

/** The full server.properties of one native node: the shared settings plus its listeners. */
export function nativeNodeProperties(
  node: KafkaNode,
  shared: Properties = readBrokerSettings().properties,
): Properties {
  const voters = kafkaNodes.map((n) => `${n.nodeId}@localhost:${n.controllerPort}`).join(',');
  return {
    ...shared,
    'node.id': String(node.nodeId),
    listeners: `PLAINTEXT://127.0.0.1:${node.port},${SECURE_LISTENER}://127.0.0.1:${node.securePort},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://localhost:${node.port},${SECURE_LISTENER}://localhost:${node.securePort}`,
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,${SECURE_LISTENER}:SASL_SSL,CONTROLLER:PLAINTEXT`,
    ...secureListenerProperties(node),
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.quorum.voters': voters,
    'log.dirs': join(paths.kafkaNode(node.nodeId), 'data'),
  };
}

const configFile = (node: KafkaNode) => join(paths.kafkaNode(node.nodeId), 'server.properties');
export const kafkaLogFile = (node: KafkaNode) => join(paths.logs, `${node.name}.log`);

/** Writes the node's server.properties and formats its KRaft storage once. */
export async function prepareNode(node: KafkaNode, libs: string): Promise<void> {
  const { clusterId } = readBrokerSettings();
  mkdirSync(paths.kafkaNode(node.nodeId), { recursive: true });
  writeFileSync(configFile(node), formatProperties(nativeNodeProperties(node)));
  if (existsSync(join(paths.kafkaNode(node.nodeId), 'data', 'meta.properties'))) return;
  await runCommandOrThrow(
    'java',
    [
      `-Dlog4j2.configurationFile=${paths.toolsLog4j}`,
      '-cp',
      kafkaClasspath(libs),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      clusterId,
      '--config',
      configFile(node),
      '--ignore-formatted',
    ],
    { timeoutMs: 120_000 },
  );
}

/** Starts one node as a background JVM, unless it runs already. */
export function startNode(node: KafkaNode, libs: string): 'started' | 'running' {
  if (findManagedProcess(node.name)) return 'running';
  const heap = process.env.KAFKA_NATIVE_HEAP ?? '768m';
  startManagedProcess(
    node.name,
    'java',
    [
      processMarker(node.name),
      '-Xms256m',
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${paths.kafkaLog4j}`,
      `-Dkafka.logs.dir=${paths.logs}`,
      `-javaagent:${jmxAgentJar(libs)}=127.0.0.1:${node.metricsPort}:${paths.jmxExporterConfig}`,
      '-cp',
      kafkaClasspath(libs),
      'kafka.Kafka',
      configFile(node),
    ],
    kafkaLogFile(node),
  );
  return 'started';
}

/** Stops one node cleanly (SIGTERM: controlled shutdown). */
export function stopNode(node: KafkaNode): Promise<StopOutcome> {
  return stopManagedProcess(node.name);
}

export function isNodeRunning(node: KafkaNode): boolean {
  return findManagedProcess(node.name) !== undefined;
}

export function nativeKafkaPid(node: KafkaNode): number | undefined {
  return findManagedProcess(node.name)?.pid;
}
