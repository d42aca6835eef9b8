import type { Properties } from '../../../../local/stack/broker-settings';

/**
 * The configuration of the peer benchmark's Kafka Connect: a standalone worker and Debezium's JDBC
 * sink, writing one row per event of a topic into a PostgreSQL table. Pure: the launcher
 * (connect-launcher.ts) writes these files and starts the worker.
 */

/** The JDBC sink's connector class (Debezium). */
export const JDBC_SINK_CONNECTOR = 'io.debezium.connector.jdbc.JdbcSinkConnector';

/** Debezium's JDBC sink is compiled for Java 21. */
export const MIN_CONNECT_JAVA = 21;

export interface JdbcTarget {
  /** `jdbc:postgresql://host:port/database?stringtype=unspecified` */
  readonly url: string;
  readonly user: string;
  readonly password: string;
}

/**
 * The JDBC coordinates of a `postgres://user:password@host:port/database` URL. Strings are sent
 * untyped (`stringtype=unspecified`), so that PostgreSQL casts the event's JSON text into `jsonb`.
 */
export function jdbcTargetOf(databaseUrl: string): JdbcTarget {
  const parsed = new URL(databaseUrl);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`not a PostgreSQL URL: ${parsed.protocol}`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '') throw new Error('the database URL names no database');
  return {
    url: `jdbc:postgresql://${parsed.hostname}:${parsed.port || '5432'}/${database}?stringtype=unspecified`,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The peer's table: one row per event, the event's id (read from its JSON by PostgreSQL) the
 * primary key, the event as `jsonb`. The sink inserts the `event` column only.
 */
export function peerTableDdl(table: string): string {
  if (!IDENTIFIER.test(table)) throw new Error(`not a plain table name: ${table}`);
  return `CREATE TABLE ${table} (
  event_id uuid GENERATED ALWAYS AS ((event ->> 'eventId')::uuid) STORED PRIMARY KEY,
  event jsonb NOT NULL
)`;
}

export interface WorkerOptions {
  readonly bootstrapServers: readonly string[];
  /** Standalone mode keeps source offsets in a file (a sink's offsets are its consumer group's). */
  readonly offsetsFile: string;
  /** The folder holding one subfolder per plugin (the JDBC sink's jars). */
  readonly pluginPath: string;
  /** The REST listener's loopback port (the connector's status is read there). */
  readonly restPort: number;
  /** Records per consumer poll: the most one `put` of the sink receives. */
  readonly maxPollRecords: number;
}

/** The standalone worker: record keys and values as strings, consumers from the earliest offset. */
export function workerProperties(options: WorkerOptions): Properties {
  return {
    'bootstrap.servers': options.bootstrapServers.join(','),
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'offset.storage.file.filename': options.offsetsFile,
    'plugin.path': options.pluginPath,
    listeners: `http://127.0.0.1:${options.restPort}`,
    'consumer.auto.offset.reset': 'earliest',
    'consumer.max.poll.records': String(options.maxPollRecords),
  };
}

export interface SinkOptions {
  /** The connector's name; its consumer group is `connect-<name>`. */
  readonly name: string;
  readonly topic: string;
  readonly jdbc: JdbcTarget;
  readonly table: string;
  /** Tasks: consumers of the topic's partitions, each with its own database connection. */
  readonly tasks: number;
  /** Records the sink buffers before it writes them in one JDBC batch. */
  readonly batchSize: number;
}

/**
 * Debezium's JDBC sink as a plain Kafka -> PostgreSQL sink: the record's value (our event's JSON
 * text) hoisted into a one-field struct (the sink needs a schema; our records have none), inserted
 * as is into an existing table (no schema evolution), plain inserts with no key of its own (the
 * table's primary key is the event id, which PostgreSQL reads from the JSON).
 */
export function sinkConnectorProperties(options: SinkOptions): Properties {
  if (!IDENTIFIER.test(options.table)) throw new Error(`not a plain table name: ${options.table}`);
  if (!Number.isInteger(options.tasks) || options.tasks < 1) throw new Error(`tasks: ${options.tasks}`);
  return {
    name: options.name,
    'connector.class': JDBC_SINK_CONNECTOR,
    'tasks.max': String(options.tasks),
    topics: options.topic,
    'connection.url': options.jdbc.url,
    'connection.username': options.jdbc.user,
    'connection.password': options.jdbc.password,
    'insert.mode': 'insert',
    'primary.key.mode': 'none',
    'schema.evolution': 'none',
    'collection.name.format': options.table,
    'batch.size': String(options.batchSize),
    transforms: 'event',
    'transforms.event.type': 'org.apache.kafka.connect.transforms.HoistField$Value',
    'transforms.event.field': 'event',
  };
}

/** Log4j 2 settings of the worker: everything at INFO into one file. */
export function connectLog4j(logFile: string): Properties {
  return {
    'rootLogger.level': 'INFO',
    'rootLogger.appenderRef.file.ref': 'FILE',
    'appender.file.type': 'File',
    'appender.file.name': 'FILE',
    'appender.file.fileName': logFile,
    'appender.file.layout.type': 'PatternLayout',
    'appender.file.layout.pattern': '[%d] %p %m (%c)%n',
  };
}

/** The major Java version of a JDK's `release` file (`JAVA_VERSION="25.0.1"`, or `"1.8.0_402"` for 8). */
export function javaMajorOf(releaseFile: string): number | undefined {
  const version = /^JAVA_VERSION="([^"]+)"/m.exec(releaseFile)?.[1];
  if (!version) return undefined;
  const [first, second] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (first === undefined || Number.isNaN(first)) return undefined;
  return first === 1 && second !== undefined ? second : first;
}

/** The `<name>` value of a Maven POM's properties. */
export function pomProperty(pom: string, name: string): string {
  const value = new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</`).exec(pom)?.[1];
  if (!value) throw new Error(`<${name}> is missing from the POM`);
  return value;
}
