/**
 * The topic specifications of the billing engine (docs/design.md: Topics): partitions, key and
 * configs; the names themselves are part of the contract (`TopicName` in schemas/). Every topic:
 * replication factor 3, min.insync.replicas=2, infinite retention, lz4, cleanup.policy=delete
 * (compaction would keep only the latest event per key and erase an account's history), messages
 * up to 10 MB.
 */
import { TopicName } from '../../schemas/constants';

/** Largest record a topic accepts, in bytes (10 MiB). */
export const MAX_MESSAGE_BYTES = 10_485_760;

export const REPLICATION_FACTOR = 3;

/** The topic-level configs every billing topic must have, as the brokers report them. */
export const billingTopicConfigs: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': '-1',
  'min.insync.replicas': '2',
  'compression.type': 'lz4',
  'max.message.bytes': String(MAX_MESSAGE_BYTES),
};

export interface TopicSpec {
  readonly name: TopicName;
  readonly partitions: number;
  /** What the record key is. */
  readonly key: string;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

const spec = (name: TopicName, partitions: number, key: string): TopicSpec => ({
  name,
  partitions,
  key,
  replicationFactor: REPLICATION_FACTOR,
  configs: billingTopicConfigs,
});

export const billingTopics: readonly TopicSpec[] = [
  spec(TopicName.accountEvents, 10, 'account id'),
  spec(TopicName.transactionEvents, 10, 'account id of the affected account'),
  spec(TopicName.transactionOutcomes, 10, 'account id of the affected account'),
  spec(TopicName.sagaEvents, 5, 'transfer id'),
  spec(TopicName.deadLetter, 1, 'source record key'),
];
