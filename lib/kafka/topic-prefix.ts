import { TopicName } from '../../schemas';

/**
 * A run's topic prefix: Kafka topic characters ending in a dot, as `RunTopics` makes it
 * (`test.<label>.<id>.`) and `BILLING_TOPIC_PREFIX`, `npm run rebuild -- --topic-prefix` and the
 * emulator take it.
 */
export const TOPIC_PREFIX_PATTERN = /^[a-zA-Z0-9._-]{1,100}\.$/;

/** Every billing topic under `prefix`, as KafkaEventStore's `topicAliases`. */
export const prefixedTopicAliases = (prefix: string): Record<TopicName, string> =>
  Object.fromEntries(Object.values(TopicName).map((topic) => [topic, `${prefix}${topic}`])) as Record<
    TopicName,
    string
  >;
