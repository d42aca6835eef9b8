import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { formatProperties } from '../../../../local/stack/broker-settings';
import { nativeKafkaVersion } from '../../../../local/stack/native-kafka';
import { paths, stateDir } from '../../../../local/stack/paths';
import { runCommandOrThrow } from '../../../../local/stack/run-command';
import {
  connectLog4j,
  javaMajorOf,
  MIN_CONNECT_JAVA,
  pomProperty,
  type SinkOptions,
  sinkConnectorProperties,
  type WorkerOptions,
  workerProperties,
} from './connect-config';

/**
 * Kafka Connect for the peer benchmark: its jars fetched with Maven (as the native brokers' are)
 * into `.stack/kafka-connect-<kafka version>/`, and a standalone worker started as a child process
 * with its files and log under `.stack/`.
 */

const connectPom = join(__dirname, 'connect-pom.xml');
const sinkPom = join(__dirname, 'jdbc-sink-pom.xml');

export interface ConnectJars {
  readonly kafkaVersion: string;
  readonly sinkVersion: string;
  /** The worker's classpath folder. */
  readonly libs: string;
  /** plugin.path: one folder per plugin. */
  readonly plugins: string;
}

/** Maven's copy-dependencies into `target`, through a staging folder so that a failed fetch leaves nothing. */
async function fetchWithMaven(
  pom: string,
  target: string,
  properties: Readonly<Record<string, string>>,
  label: string,
  log: (line: string) => void,
): Promise<void> {
  log(`Fetching ${label} with Maven into ${target} ...`);
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const started = Date.now();
  const progress = setInterval(
    () => log(`  still fetching ${label} (${Math.round((Date.now() - started) / 1000)} s)`),
    10_000,
  );
  try {
    await runCommandOrThrow(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        pom,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        ...Object.entries(properties).map(([name, value]) => `-D${name}=${value}`),
      ],
      { timeoutMs: 15 * 60_000 },
    );
  } finally {
    clearInterval(progress);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(join(target, '..'), { recursive: true });
  renameSync(staging, target);
  log(`  ${readdirSync(target).length} jars`);
}

/** The worker's jars (the cluster's Kafka version) and the JDBC sink plugin, fetched unless present. */
export async function ensureConnectJars(log: (line: string) => void): Promise<ConnectJars> {
  const kafkaVersion = nativeKafkaVersion();
  const sinkVersion = pomProperty(readFileSync(sinkPom, 'utf8'), 'debezium.version');
  const home = join(stateDir, `kafka-connect-${kafkaVersion}`);
  const libs = join(home, 'libs');
  const plugins = join(home, 'plugins');
  const sink = join(plugins, `debezium-connector-jdbc-${sinkVersion}`);
  if (!existsSync(join(libs, `connect-runtime-${kafkaVersion}.jar`))) {
    await fetchWithMaven(
      connectPom,
      libs,
      { 'kafka.version': kafkaVersion },
      `Kafka Connect ${kafkaVersion}`,
      log,
    );
  }
  if (!existsSync(join(sink, `debezium-connector-jdbc-${sinkVersion}.jar`))) {
    // Only this version's plugin folder: two versions of one connector would both be scanned.
    rmSync(plugins, { recursive: true, force: true });
    await fetchWithMaven(sinkPom, sink, {}, `Debezium JDBC sink ${sinkVersion}`, log);
  }
  return { kafkaVersion, sinkVersion, libs, plugins };
}

/** A JDK home of at least Java 21: PEER_JAVA_HOME, JAVA_HOME, or the newest under /usr/lib/jvm. */
export function findConnectJavaHome(env: NodeJS.ProcessEnv = process.env, jvmDir = '/usr/lib/jvm'): string {
  const majorOf = (home: string) => {
    try {
      return javaMajorOf(readFileSync(join(home, 'release'), 'utf8'));
    } catch {
      return undefined;
    }
  };
  for (const configured of [env.PEER_JAVA_HOME, env.JAVA_HOME]) {
    if (configured && (majorOf(configured) ?? 0) >= MIN_CONNECT_JAVA) return configured;
  }
  const found = (existsSync(jvmDir) ? readdirSync(jvmDir) : [])
    .map((name) => ({ home: join(jvmDir, name), major: majorOf(join(jvmDir, name)) ?? 0 }))
    .filter((jdk) => jdk.major >= MIN_CONNECT_JAVA && existsSync(join(jdk.home, 'bin', 'java')))
    .sort((a, b) => b.major - a.major)[0];
  if (!found) {
    throw new Error(
      `Kafka Connect with Debezium's JDBC sink needs Java ${MIN_CONNECT_JAVA} or later: set PEER_JAVA_HOME to such a JDK`,
    );
  }
  return found.home;
}

export interface RunningConnect {
  readonly pid: number;
  readonly restPort: number;
  readonly logFile: string;
  /** The connector's state and its tasks' (RUNNING, FAILED with a trace, ...), from the REST API. */
  status(name: string): Promise<ConnectorStatus | undefined>;
  /** Stops the worker (SIGTERM, then SIGKILL after 30 s) and removes its files. */
  stop(): Promise<void>;
}

export interface ConnectorStatus {
  readonly connector: { readonly state: string };
  readonly tasks: readonly { readonly id: number; readonly state: string; readonly trace?: string }[];
}

/** Starts a standalone worker running one JDBC sink connector; its files go under `.stack/bench-peer/<run>`. */
export function startConnect(options: {
  readonly jars: ConnectJars;
  readonly javaHome: string;
  readonly run: string;
  readonly worker: Omit<WorkerOptions, 'offsetsFile' | 'pluginPath'>;
  readonly sink: SinkOptions;
}): RunningConnect {
  const dir = join(stateDir, 'bench-peer', options.run);
  mkdirSync(dir, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const logFile = join(paths.logs, `bench-peer-connect-${options.run}.log`);
  const files = {
    worker: join(dir, 'worker.properties'),
    sink: join(dir, 'jdbc-sink.properties'),
    log4j: join(dir, 'log4j2.properties'),
  };
  writeFileSync(
    files.worker,
    formatProperties(
      workerProperties({
        ...options.worker,
        offsetsFile: join(dir, 'offsets'),
        pluginPath: options.jars.plugins,
      }),
    ),
  );
  writeFileSync(files.sink, formatProperties(sinkConnectorProperties(options.sink)));
  writeFileSync(files.log4j, formatProperties(connectLog4j(logFile)));
  const classpath = readdirSync(options.jars.libs)
    .filter((file) => file.endsWith('.jar'))
    .map((file) => join(options.jars.libs, file))
    .join(':');
  const output = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    join(options.javaHome, 'bin', 'java'),
    [
      '-Xms512m',
      '-Xmx1g',
      `-Dlog4j2.configurationFile=${files.log4j}`,
      '-cp',
      classpath,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      files.worker,
      files.sink,
    ],
    // JAVA_HOME for this process only: the brokers and tools keep the machine's Java.
    { stdio: ['ignore', output, output], env: { ...process.env, JAVA_HOME: options.javaHome } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const restPort = options.worker.restPort;
  return {
    pid: child.pid ?? -1,
    restPort,
    logFile,
    async status(name) {
      if (child.exitCode !== null)
        throw new Error(`Kafka Connect exited (${child.exitCode}): see ${logFile}`);
      try {
        const response = await fetch(`http://127.0.0.1:${restPort}/connectors/${name}/status`);
        return response.ok ? ((await response.json()) as ConnectorStatus) : undefined;
      } catch {
        return undefined; // not listening yet
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      // The worker's files go with it; its log stays under .stack/logs.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
