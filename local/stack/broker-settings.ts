import { readFileSync } from 'node:fs';
import { paths } from './paths';

export type Properties = Record<string, string>;

/** Parses a `KEY=value` env file (comments and blank lines ignored), as `docker compose` reads `env_file`. */
export function parseEnvFile(text: string, source = 'env file'): Record<string, string> {
  const entries: Record<string, string> = {};
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    if (equals <= 0) {
      throw new Error(`${source}:${index + 1}: expected KEY=value, got "${line}"`);
    }
    entries[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  });
  return entries;
}

/**
 * Turns a `KAFKA_*` environment variable name into a broker property name, with the rule of the
 * apache/kafka image: drop `KAFKA_`, lower-case, `___` to `-`, `__` to `_`, `_` to `.`.
 */
export function envNameToProperty(name: string): string {
  if (!name.startsWith('KAFKA_')) throw new Error(`Not a Kafka broker setting: ${name}`);
  return name
    .slice('KAFKA_'.length)
    .toLowerCase()
    .split('___')
    .map((dashPart) =>
      dashPart
        .split('__')
        .map((underscorePart) => underscorePart.replace(/_/g, '.'))
        .join('_'),
    )
    .join('-');
}

export interface BrokerSettings {
  readonly clusterId: string;
  /** Broker properties shared by every node, in both modes. */
  readonly properties: Properties;
}

/** Reads the shared broker settings (local/kafka/broker.env). */
export function readBrokerSettings(file = paths.brokerEnv): BrokerSettings {
  const env = parseEnvFile(readFileSync(file, 'utf8'), file);
  const clusterId = env.CLUSTER_ID;
  if (!clusterId) throw new Error(`${file}: CLUSTER_ID is missing`);
  const properties: Properties = {};
  for (const [name, value] of Object.entries(env)) {
    if (name === 'CLUSTER_ID') continue;
    properties[envNameToProperty(name)] = value;
  }
  return { clusterId, properties };
}

/** Serialises properties in Java's `.properties` format, sorted for a stable file. */
export function formatProperties(properties: Properties): string {
  return `${Object.keys(properties)
    .sort()
    .map((key) => `${key}=${properties[key]}`)
    .join('\n')}\n`;
}
