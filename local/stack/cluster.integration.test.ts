import { ConfigResourceTypes } from 'kafkajs';
import { compareTopic, describeTopic, setUpTopics } from '../../lib/kafka/topic-setup';
import { billingTopics, type TopicSpec } from '../../lib/kafka/topic-specs';
import { readBrokerSettings } from './broker-settings';
import { describeQuorum, registeredBrokers } from './health';
import { createTestTopic, localKafka, waitForAllBrokers } from './testing';
import { kafkaNodes } from './topology';

const kafka = localKafka('it-cluster');
const admin = kafka.admin();

beforeAll(async () => {
  await waitForAllBrokers();
  await admin.connect();
});
afterAll(() => admin.disconnect());

describe('the local cluster', () => {
  it('has three registered brokers and a controller quorum of three with a leader', async () => {
    // Act
    const brokers = await registeredBrokers();
    const quorum = await describeQuorum();

    // Assess
    expect(brokers).toEqual([1, 2, 3]);
    expect(quorum).toBeDefined();
    expect(quorum?.voters).toEqual([1, 2, 3]);
    expect([1, 2, 3]).toContain(quorum?.leaderId);
  });

  /**
   * Settings of broker.env a broker does not describe back, and where their effect is tested
   * instead (local/stack/kafka-security.integration.test.ts).
   */
  const UNDESCRIBED: Record<string, string> = {
    'listener.name.secure.scram-sha-512.sasl.jaas.config': 'sensitive: a wrong password is refused',
    'super.users': "the authorizer's own: the plaintext tools keep every right",
    'allow.everyone.if.no.acl.found': "the authorizer's own: a user with no ACL on a topic is refused",
  };

  it('runs every node with the shared broker settings of local/kafka/broker.env', async () => {
    // Prepare
    const { properties } = readBrokerSettings();

    // Act
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: kafkaNodes.map((node) => ({
        type: ConfigResourceTypes.BROKER,
        name: String(node.nodeId),
        configNames: Object.keys(properties),
      })),
    });

    // Assess
    expect(described.resources).toHaveLength(3);
    for (const resource of described.resources) {
      const actual = Object.fromEntries(
        resource.configEntries.map((entry) => [entry.configName, entry.configValue]),
      );
      expect({ broker: resource.resourceName, ...actual }).toEqual({
        broker: resource.resourceName,
        ...properties,
        ...Object.fromEntries(Object.keys(UNDESCRIBED).map((name) => [name, null])),
      });
    }
  });
});

describe('the billing topics', () => {
  it.each(billingTopics.map((spec) => [spec.name, spec] as const))(
    '%s exists with its partitions, RF 3 and exactly the configs of docs/design.md (Topics)',
    async (_name, spec) => {
      // Act
      const actual = await describeTopic(admin, spec);

      // Assess
      expect(actual).toEqual({
        partitions: String(spec.partitions),
        'replication.factor': '3',
        'cleanup.policy': 'delete',
        'retention.ms': '-1',
        'min.insync.replicas': '2',
        'compression.type': 'lz4',
        'max.message.bytes': '10485760',
      });
    },
  );

  it('topics:create is idempotent: a second run creates nothing and finds every topic correct', async () => {
    // Act
    const report = await setUpTopics(admin, billingTopics);

    // Assess
    expect(report.created).toEqual([]);
    expect(report.mismatches).toEqual([]);
    expect([...report.alreadyCorrect].sort()).toEqual(billingTopics.map((spec) => spec.name).sort());
  });

  it('reports a topic that exists with other settings, and leaves it as it is', async () => {
    // Prepare: a topic created with 2 partitions and the default compression
    const topic = await createTestTopic(kafka, 'wrong-settings', { partitions: 2 });
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic.name,
          configEntries: [{ name: 'compression.type', value: 'producer' }],
        },
      ],
    });
    const spec = { ...billingTopics[0], name: topic.name, partitions: 4 } as unknown as TopicSpec;

    try {
      // Act
      const report = await setUpTopics(admin, [spec]);

      // Assess
      expect(report.created).toEqual([]);
      expect(report.mismatches).toEqual(
        expect.arrayContaining([
          { topic: topic.name, setting: 'partitions', expected: '4', actual: '2' },
          { topic: topic.name, setting: 'compression.type', expected: 'lz4', actual: 'producer' },
        ]),
      );
      expect(compareTopic(spec, await describeTopic(admin, spec))).toHaveLength(2);
    } finally {
      await topic.delete();
    }
  });
});
