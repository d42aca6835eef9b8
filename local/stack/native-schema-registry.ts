import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './paths';
import {
  findManagedProcess,
  processMarker,
  type StopOutcome,
  startManagedProcess,
  stopManagedProcess,
} from './processes';
import { runCommandOrThrow } from './run-command';

/**
 * Native mode's Schema Registry: Apicurio Registry (a Quarkus app for Java 21+) on :8081, schemas
 * in memory (they last until `stack:down`; `npm run schemas:register` puts them back). Its
 * Confluent-compatible API is at /apis/ccompat/v7.
 */
export const registryName = 'billing-schema-registry';
export const registryPort = 8081;
export const apicurioCompatPath = '/apis/ccompat/v7';
export const nativeRegistryUrl = `http://localhost:${registryPort}${apicurioCompatPath}`;
export const registryLogFile = join(paths.logs, 'schema-registry.log');
const minimumJava = 21;

/** The Apicurio version of native mode, from local/native/apicurio/pom.xml. */
export function apicurioVersion(): string {
  const pom = readFileSync(paths.registryPom, 'utf8');
  const version = /<apicurio\.version>([^<]+)<\/apicurio\.version>/.exec(pom)?.[1];
  if (!version) throw new Error(`${paths.registryPom}: <apicurio.version> is missing`);
  return version;
}

/** The major version of a JDK folder, read from its `release` file (JAVA_VERSION="21.0.5"). */
export function javaMajorOf(javaHome: string): number | undefined {
  try {
    const release = readFileSync(join(javaHome, 'release'), 'utf8');
    const version = /^JAVA_VERSION="(\d+)/m.exec(release)?.[1];
    return version === undefined ? undefined : Number(version);
  } catch {
    return undefined;
  }
}

/**
 * A `java` of version 21 or newer: JAVA_HOME's if it is one, else the newest JDK under
 * /usr/lib/jvm (the machine's default `java` may be older: Kafka runs on it, Apicurio cannot).
 */
export function findJava21(
  env: NodeJS.ProcessEnv = process.env,
  jvmDir = '/usr/lib/jvm',
): { java: string; major: number } {
  const candidates = [
    ...(env.JAVA_HOME ? [env.JAVA_HOME] : []),
    ...(existsSync(jvmDir) ? readdirSync(jvmDir).map((name) => join(jvmDir, name)) : []),
  ]
    .map((home) => ({ home, major: javaMajorOf(home) }))
    .filter((jdk): jdk is { home: string; major: number } => jdk.major !== undefined)
    .filter((jdk) => jdk.major >= minimumJava && existsSync(join(jdk.home, 'bin', 'java')))
    .sort((a, b) => b.major - a.major);
  const chosen = candidates[0];
  if (!chosen) {
    throw new Error(
      `Apicurio Registry (native mode's Schema Registry) needs Java ${minimumJava} or newer, and none was found (JAVA_HOME=${env.JAVA_HOME ?? 'unset'}, ${jvmDir}/*/release). Install a JDK ${minimumJava}+ (e.g. Temurin) under ${jvmDir}, or set STACK_PROFILE=lean to run without the operator services.`,
    );
  }
  return { java: join(chosen.home, 'bin', 'java'), major: chosen.major };
}

/** Fetches and unpacks the Apicurio app with Maven unless this version is already under .stack. */
export async function ensureApicurio(log: (line: string) => void): Promise<string> {
  const version = apicurioVersion();
  const home = paths.registryHome(version);
  if (existsSync(join(home, 'quarkus-run.jar'))) return home;
  log(`Fetching Apicurio Registry ${version} with Maven into ${home} ...`);
  const staging = `${home}.partial`;
  rmSync(staging, { recursive: true, force: true });
  rmSync(`${staging}.markers`, { recursive: true, force: true });
  await runCommandOrThrow(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      paths.registryPom,
      'dependency:unpack-dependencies',
      `-DoutputDirectory=${staging}`,
      // The plugin's "already unpacked" markers go with the staging folder, not into the repository.
      `-Dmdep.markersDirectory=${staging}.markers`,
    ],
    { timeoutMs: 15 * 60_000 },
  );
  if (!existsSync(join(staging, 'quarkus-run.jar'))) {
    throw new Error(
      `Apicurio Registry ${version}: quarkus-run.jar missing in the unpacked archive (${staging})`,
    );
  }
  rmSync(home, { recursive: true, force: true });
  rmSync(`${staging}.markers`, { recursive: true, force: true });
  renameSync(staging, home);
  return home;
}

/** Starts the registry unless it runs. */
export async function startSchemaRegistry(log: (line: string) => void): Promise<'started' | 'running'> {
  if (findManagedProcess(registryName)) return 'running';
  const { java } = findJava21();
  const home = await ensureApicurio(log);
  startManagedProcess(
    registryName,
    java,
    [
      processMarker(registryName),
      '-Xms64m',
      '-Xmx384m',
      '-XX:+UseSerialGC',
      // C1 only: a quicker start and less CPU for a local registry that serves a few requests.
      '-XX:TieredStopAtLevel=1',
      // A class-data archive written at the first clean exit and reused after (JDK 19+).
      '-XX:+AutoCreateSharedArchive',
      `-XX:SharedArchiveFile=${join(home, 'billing-registry.jsa')}`,
      '-jar',
      join(home, 'quarkus-run.jar'),
    ],
    registryLogFile,
    {
      ...process.env,
      QUARKUS_HTTP_HOST: '127.0.0.1',
      QUARKUS_HTTP_PORT: String(registryPort),
      // No telemetry exporter to reach, no access log line per request.
      QUARKUS_OTEL_SDK_DISABLED: 'true',
      QUARKUS_HTTP_ACCESS_LOG_ENABLED: 'false',
    },
  );
  return 'started';
}

export const stopSchemaRegistry = (): Promise<StopOutcome> => stopManagedProcess(registryName, 30_000);

export const schemaRegistryPid = (): number | undefined => findManagedProcess(registryName)?.pid;

/**
 * The registry-wide compatibility level, as compose's Confluent registry sets it
 * (SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL); `schemas:register` also sets it per subject.
 */
export const registryDefaultCompatibility = 'FORWARD';

/** Sets the registry-wide compatibility level (Apicurio keeps it in memory: once per start). */
export async function configureSchemaRegistry(): Promise<void> {
  const response = await fetch(`${nativeRegistryUrl}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: registryDefaultCompatibility }),
  });
  if (!response.ok) {
    throw new Error(
      `Schema Registry: setting ${registryDefaultCompatibility} compatibility failed: HTTP ${response.status} ${await response.text()}`,
    );
  }
}

/** True once the Confluent-compatible API answers. */
export async function schemaRegistryReady(): Promise<boolean> {
  try {
    return (await fetch(`${nativeRegistryUrl}/subjects`)).ok;
  } catch {
    return false;
  }
}
