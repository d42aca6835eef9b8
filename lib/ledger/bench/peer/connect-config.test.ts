import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeKafkaVersion } from '../../../../local/stack/native-kafka';
import { localDatabaseUrl } from '../../../../local/stack/topology';
import { TopicName } from '../../../../schemas';
import { billingTopics } from '../../../kafka/topic-specs';
import { BENCH_TOPIC_PREFIX, benchTopics } from './bench-topics';
import {
  JDBC_SINK_CONNECTOR,
  javaMajorOf,
  jdbcTargetOf,
  peerTableDdl,
  pomProperty,
  sinkConnectorProperties,
  workerProperties,
} from './connect-config';

const sink = (overrides: Partial<Parameters<typeof sinkConnectorProperties>[0]> = {}) =>
  sinkConnectorProperties({
    name: 'bench-peer-abc',
    topic: 'bench.peer.abc.transaction.events',
    jdbc: jdbcTargetOf('postgres://billing:se%40cret@127.0.0.1:55432/billing_peer_1'),
    table: 'peer_events',
    tasks: 2,
    batchSize: 1000,
    ...overrides,
  });

describe('the peer benchmark: Kafka Connect configuration', () => {
  it('turns a PostgreSQL URL into JDBC coordinates that send strings untyped', () => {
    // Act
    const target = jdbcTargetOf('postgres://billing:se%40cret@127.0.0.1:55432/billing_peer_1');

    // Assess
    expect(target).toEqual({
      url: 'jdbc:postgresql://127.0.0.1:55432/billing_peer_1?stringtype=unspecified',
      user: 'billing',
      password: 'se@cret',
    });
    expect(jdbcTargetOf(localDatabaseUrl).url).toMatch(/^jdbc:postgresql:\/\/127\.0\.0\.1:55432\/billing\?/);
  });

  it('refuses a URL that is not PostgreSQL or names no database', () => {
    expect(() => jdbcTargetOf('mysql://u:p@localhost:3306/db')).toThrow(/not a PostgreSQL URL/);
    expect(() => jdbcTargetOf('postgres://u:p@localhost:5432')).toThrow(/no database/);
  });

  it('configures the JDBC sink for plain inserts of the hoisted event into an existing table', () => {
    // Act
    const properties = sink();

    // Assess
    expect(properties).toMatchObject({
      'connector.class': JDBC_SINK_CONNECTOR,
      topics: 'bench.peer.abc.transaction.events',
      'tasks.max': '2',
      'connection.url': 'jdbc:postgresql://127.0.0.1:55432/billing_peer_1?stringtype=unspecified',
      'connection.username': 'billing',
      'connection.password': 'se@cret',
      'insert.mode': 'insert',
      'primary.key.mode': 'none',
      'schema.evolution': 'none',
      'collection.name.format': 'peer_events',
      'batch.size': '1000',
      transforms: 'event',
      'transforms.event.type': 'org.apache.kafka.connect.transforms.HoistField$Value',
      'transforms.event.field': 'event',
    });
  });

  it('refuses a table name that would need quoting and a task count below one', () => {
    expect(() => sink({ table: 'peer events; DROP TABLE x' })).toThrow(/not a plain table name/);
    expect(() => sink({ tasks: 0 })).toThrow(/tasks/);
    expect(() => peerTableDdl('Peer-Events')).toThrow(/not a plain table name/);
  });

  it("keys the peer's table by the event id read from the event's JSON, the field the sink writes", () => {
    // Act
    const ddl = peerTableDdl('peer_events');

    // Assess
    expect(ddl).toMatch(/^CREATE TABLE peer_events \(/);
    expect(ddl).toMatch(
      /event_id uuid GENERATED ALWAYS AS \(\(event ->> 'eventId'\)::uuid\) STORED PRIMARY KEY/,
    );
    expect(ddl).toContain(`${sink()['transforms.event.field']} jsonb NOT NULL`);
  });

  it('runs a worker that reads keys and values as strings from the earliest offset, REST on the loopback', () => {
    // Act
    const properties = workerProperties({
      bootstrapServers: ['localhost:9092', 'localhost:9093'],
      offsetsFile: '/state/offsets',
      pluginPath: '/state/plugins',
      restPort: 18_083,
      maxPollRecords: 1000,
    });

    // Assess
    expect(properties).toEqual({
      'bootstrap.servers': 'localhost:9092,localhost:9093',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'offset.storage.file.filename': '/state/offsets',
      'plugin.path': '/state/plugins',
      listeners: 'http://127.0.0.1:18083',
      'consumer.auto.offset.reset': 'earliest',
      'consumer.max.poll.records': '1000',
    });
  });

  it.each([
    ['JAVA_VERSION="25.0.1"\nIMPLEMENTOR="Eclipse Adoptium"', 25],
    ['IMPLEMENTOR="Debian"\nJAVA_VERSION="17.0.15"', 17],
    ['JAVA_VERSION="21"', 21],
    ['JAVA_VERSION="1.8.0_402"', 8],
    ['IMPLEMENTOR="nobody"', undefined],
  ])('reads the Java major version of a release file (%j)', (release, major) => {
    expect(javaMajorOf(release)).toBe(major);
  });

  it("fetches the Kafka Connect of the cluster's Kafka version by default", () => {
    // Prepare
    const pom = readFileSync(join(__dirname, 'connect-pom.xml'), 'utf8');

    // Act
    const version = pomProperty(pom, 'kafka.version');

    // Assess
    expect(version).toBe(nativeKafkaVersion());
  });
});

describe('the peer benchmark: its topics', () => {
  it('stands in for every billing topic with a topic of its own, shaped alike', () => {
    // Act
    const { topics, aliases } = benchTopics('a1b2c3d4');

    // Assess
    expect(Object.keys(aliases).sort()).toEqual(Object.values(TopicName).sort());
    expect(aliases[TopicName.transactionEvents]).toBe('bench.peer.a1b2c3d4.transaction.events');
    for (const spec of billingTopics) {
      const topic = topics.find((candidate) => candidate.name === aliases[spec.name]);
      expect(topic?.name.startsWith(`${BENCH_TOPIC_PREFIX}.a1b2c3d4.`)).toBe(true);
      expect(topic?.partitions).toBe(spec.partitions);
      expect(topic?.replicationFactor).toBe(spec.replicationFactor);
    }
    expect(topics.filter((topic) => topic.name.startsWith('billing.'))).toEqual([]);
    expect(new Set(topics.map((topic) => topic.name)).size).toBe(topics.length);
  });

  it('refuses a run id that would change the topic names', () => {
    expect(() => benchTopics('../billing')).toThrow(/not a run id/);
  });
});
