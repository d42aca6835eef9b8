import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envNameToProperty, formatProperties, parseEnvFile, readBrokerSettings } from './broker-settings';
import { nativeNodeProperties } from './native-kafka';
import { paths } from './paths';
import { kafkaNodes } from './topology';

/**
 * The apache/kafka image's own conversion (KafkaDockerWrapper.getServerConfigsFromEnv), kept here as
 * an oracle: `_` to `.` first, then `...` to `-`, then `..` to `_`.
 */
const imageEnvNameToProperty = (name: string): string =>
  name
    .replaceAll('KAFKA_', '')
    .toLowerCase()
    .replace(/_/g, '.')
    .replace(/\.\.\./g, '-')
    .replace(/\.\./g, '_');

describe('envNameToProperty', () => {
  it.each([
    ['KAFKA_LOG_RETENTION_MS', 'log.retention.ms'],
    ['KAFKA_NODE_ID', 'node.id'],
    ['KAFKA_PROCESS_ROLES', 'process.roles'],
    ['KAFKA_CONTROLLER_QUORUM_VOTERS', 'controller.quorum.voters'],
    ['KAFKA_LISTENER_NAME_INTERNAL_SSL__KEYSTORE__TYPE', 'listener.name.internal.ssl_keystore_type'],
    ['KAFKA_CONFLUENT___METRICS_ENABLE', 'confluent-metrics.enable'],
    ['KAFKA_A___B__C_D', 'a-b_c.d'],
  ])('turns %s into %s', (name, expected) => {
    // Act
    const property = envNameToProperty(name);

    // Assess
    expect(property).toBe(expected);
  });

  it.each(['KAFKA_A____B', 'KAFKA_A_____B', 'KAFKA_X___Y___Z', 'KAFKA__LEADING'])(
    'agrees with the apache/kafka image on the corner case %s',
    (name) => {
      // Act
      const property = envNameToProperty(name);

      // Assess
      expect(property).toBe(imageEnvNameToProperty(name));
    },
  );

  it('agrees with the apache/kafka image on every name in local/kafka/broker.env', () => {
    // Prepare
    const { properties } = readBrokerSettings();
    const names = Object.keys(properties).length;

    // Act
    const mismatches = Object.keys(parseEnvFile(readFileSync(paths.brokerEnv, 'utf8')))
      .filter((name) => name.startsWith('KAFKA_'))
      .filter((name) => envNameToProperty(name) !== imageEnvNameToProperty(name));

    // Assess
    expect(names).toBeGreaterThan(10);
    expect(mismatches).toEqual([]);
  });

  it('rejects a variable that is not a broker setting', () => {
    // Act
    const convert = () => envNameToProperty('CLUSTER_ID');

    // Assess
    expect(convert).toThrow('Not a Kafka broker setting: CLUSTER_ID');
  });
});

describe('parseEnvFile', () => {
  it('reads KEY=value lines, skipping comments and blank lines, keeping "=" inside values', () => {
    // Prepare
    const text = '# comment\n\nKAFKA_A=1\n  KAFKA_B = x=y  \n';

    // Act
    const entries = parseEnvFile(text);

    // Assess
    expect(entries).toEqual({ KAFKA_A: '1', KAFKA_B: 'x=y' });
  });

  it('names the file and line of a line without "="', () => {
    // Act
    const parse = () => parseEnvFile('KAFKA_A=1\nKAFKA_B\n', 'broker.env');

    // Assess
    expect(parse).toThrow('broker.env:2: expected KEY=value, got "KAFKA_B"');
  });
});

describe('readBrokerSettings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'broker-settings-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('separates the cluster id from the broker properties', () => {
    // Prepare
    const file = join(dir, 'broker.env');
    writeFileSync(file, 'CLUSTER_ID=abc\nKAFKA_MIN_INSYNC_REPLICAS=2\n');

    // Act
    const settings = readBrokerSettings(file);

    // Assess
    expect(settings).toEqual({ clusterId: 'abc', properties: { 'min.insync.replicas': '2' } });
  });

  it('fails when the cluster id is missing', () => {
    // Prepare
    const file = join(dir, 'broker.env');
    writeFileSync(file, 'KAFKA_MIN_INSYNC_REPLICAS=2\n');

    // Act
    const read = () => readBrokerSettings(file);

    // Assess
    expect(read).toThrow('CLUSTER_ID is missing');
  });
});

describe('native mode applies the shared settings', () => {
  it.each(kafkaNodes.map((node) => [node.nodeId, node] as const))(
    'node %i has every setting of local/kafka/broker.env, unchanged',
    (_nodeId, node) => {
      // Prepare
      const { properties } = readBrokerSettings();

      // Act
      const nodeProperties = nativeNodeProperties(node);

      // Assess
      expect(Object.keys(properties).length).toBeGreaterThan(0);
      expect(nodeProperties).toMatchObject(properties);
    },
  );

  it('writes them sorted into server.properties', () => {
    // Act
    const text = formatProperties({ 'b.c': '2', 'a.b': '1' });

    // Assess
    expect(text).toBe('a.b=1\nb.c=2\n');
  });
});
