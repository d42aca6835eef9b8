/*
 * kafkajs' send path is patched (patches/kafkajs+2.2.4.patch, producer/sendMessages.js): a retry
 * re-sends every topic-partition that has no answer yet, to its leader now. As kafkajs shipped it,
 * answers were kept per broker, so a partition whose leader moved, after its broker failed, to a
 * broker that had already answered for other partitions was never sent again, and the send resolved
 * as written. That lost outbox events in the broker-fault test (a published TransferDebitRequested
 * that no consumer ever read). These tests drive kafkajs' own send function with a cluster whose
 * leaders move between tries.
 */

interface ProducedPartition {
  readonly partition: number;
  readonly messages: readonly { key: string; value: string }[];
}
interface ProduceRequest {
  readonly topicData: readonly { topic: string; partitions: readonly ProducedPartition[] }[];
}
interface FakeBroker {
  readonly nodeId: number;
  produce(request: ProduceRequest): Promise<unknown>;
}

type SendMessages = (options: {
  acks: number;
  timeout?: number;
  compression?: number;
  topicMessages: readonly { topic: string; messages: readonly { key: string; value: string }[] }[];
}) => Promise<readonly { topicName: string; partition: number; baseOffset: string }[]>;

const createSendMessages = require('kafkajs/src/producer/sendMessages') as (options: unknown) => SendMessages;
const createRetry = require('kafkajs/src/retry') as (options: unknown) => unknown;
const Cluster = require('kafkajs/src/cluster') as {
  prototype: {
    findLeaderForPartitions(this: unknown, topic: string, partitions: readonly string[]): unknown;
  };
};
const { KafkaJSConnectionError } = require('kafkajs/src/errors') as {
  KafkaJSConnectionError: new (message: string) => Error;
};

const TOPIC = 'billing.transaction.events';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A cluster of brokers 1 and 2: `leaders` gives each partition's leader, and a metadata refresh
 * moves to `leadersAfterRefresh` (what the cluster says once the failed broker's partitions moved).
 */
function clusterOf(brokers: readonly FakeBroker[], leaders: number[], leadersAfterRefresh: number[]) {
  let current = leaders;
  const cluster = {
    targetTopics: new Set<string>(),
    async addMultipleTargetTopics() {},
    async refreshMetadataIfNecessary() {},
    async refreshMetadata() {
      current = leadersAfterRefresh;
    },
    isConnected: () => true,
    findTopicPartitionMetadata: () => current.map((leader, partitionId) => ({ partitionId, leader })),
    findLeaderForPartitions(topic: string, partitions: readonly string[]) {
      return Cluster.prototype.findLeaderForPartitions.call(cluster, topic, partitions);
    },
    async findBroker({ nodeId }: { nodeId: string }) {
      return brokers.find((broker) => broker.nodeId === Number(nodeId));
    },
  };
  return cluster;
}

/** A broker that answers every partition it is sent, recording what it wrote; or fails the first `failures` sends. */
function brokerOf(nodeId: number, written: Map<number, string[]>, failures = 0): FakeBroker {
  let failed = 0;
  return {
    nodeId,
    async produce({ topicData }) {
      if (failed < failures) {
        failed += 1;
        throw new KafkaJSConnectionError(`broker ${nodeId} went away`);
      }
      return {
        topics: topicData.map(({ topic, partitions }) => ({
          topicName: topic,
          partitions: partitions.map(({ partition, messages }) => {
            const log = written.get(partition) ?? [];
            written.set(partition, [...log, ...messages.map((message) => message.value)]);
            return {
              partition,
              errorCode: 0,
              baseOffset: String(log.length),
              logAppendTime: '-1',
              logStartOffset: '0',
            };
          }),
        })),
      };
    },
  };
}

const eosManager = {
  isTransactional: () => false,
  async acquireBrokerLock() {},
  async releaseBrokerLock() {},
  getSequence: () => 0,
  updateSequence() {},
  getProducerId: () => -1,
  getProducerEpoch: () => 0,
};

/** Sends one message per partition (the key names the partition) through kafkajs' send path. */
function sendOnePerPartition(cluster: unknown, partitions: number) {
  const send = createSendMessages({
    logger: quiet,
    cluster,
    partitioner: ({ message }: { message: { key: string } }) => Number(message.key),
    eosManager,
    retrier: createRetry({ retries: 3, initialRetryTime: 1, maxRetryTime: 1 }),
  });
  return send({
    acks: -1,
    topicMessages: [
      {
        topic: TOPIC,
        messages: Array.from({ length: partitions }, (_, partition) => ({
          key: String(partition),
          value: `event for partition ${partition}`,
        })),
      },
    ],
  });
}

describe("kafkajs' send path through a leader move (patched)", () => {
  it('sends a partition whose broker failed to its new leader, even one that already answered for others', async () => {
    // Prepare: partition 0 led by broker 1, which fails; partition 1 by broker 2, which answers.
    // After the refresh, broker 2 leads both.
    const written = new Map<number, string[]>();
    const brokers = [brokerOf(1, written, 1), brokerOf(2, written)];
    const cluster = clusterOf(brokers, [1, 2], [2, 2]);

    // Act
    const answers = await sendOnePerPartition(cluster, 2);

    // Assess: both partitions written once, and the answer names both
    expect(Object.fromEntries(written)).toEqual({
      0: ['event for partition 0'],
      1: ['event for partition 1'],
    });
    expect(answers.map((answer) => answer.partition).sort()).toEqual([0, 1]);
  });

  it('does not write again a partition that was answered, when another one is retried', async () => {
    // Prepare: broker 2 answers for partitions 1 and 2; broker 1 fails for partition 0, which stays with it.
    const written = new Map<number, string[]>();
    const brokers = [brokerOf(1, written, 1), brokerOf(2, written)];
    const cluster = clusterOf(brokers, [1, 2, 2], [1, 2, 2]);

    // Act
    const answers = await sendOnePerPartition(cluster, 3);

    // Assess
    expect([...written.values()].map((values) => values.length)).toEqual([1, 1, 1]);
    expect(answers.map((answer) => answer.partition).sort()).toEqual([0, 1, 2]);
  });

  it('retries, then fails, rather than resolve while a partition has no leader', async () => {
    // Prepare: partition 1's leader is unknown (-1: no broker), and stays so.
    const written = new Map<number, string[]>();
    const brokers = [brokerOf(1, written)];
    const cluster = clusterOf(brokers, [1, -1], [1, -1]);

    // Act and assess
    await expect(sendOnePerPartition(cluster, 2)).rejects.toThrow();
    expect(written.has(1)).toBe(false);
  });
});
