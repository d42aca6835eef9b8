import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { TopicName } from '../../../schemas';
import { prefixedTopicAliases } from '../topic-prefix';
import { billingTopics } from '../topic-specs';

/*
 * A test or benchmark run's own topics: the billing topics' specs (partitions, replication,
 * configs) under a prefix of the run's, created at its start and deleted at its end, so that what
 * the run appends never reaches the `billing.*` topics `npm start` consumes (docs/testing.md: Topics).
 */

/** Every run topic starts with this; a run's prefix is `test.<label>.<8 hex>.`. */
export const RUN_TOPIC_ROOT = 'test.';

/** The prefix of one run's topics. */
export const runTopicPrefix = (label: string): string =>
  `${RUN_TOPIC_ROOT}${label.replace(/[^a-zA-Z0-9-]/g, '-')}.${randomUUID().slice(0, 8)}.`;

export class RunTopics {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /**
   * Creates the run's copy of every billing topic (same specs), waiting for their leaders. On a
   * failure (a broker restarting) those created are deleted again before the error is thrown.
   */
  static async create(admin: Admin, label: string): Promise<RunTopics> {
    const topics = new RunTopics(runTopicPrefix(label));
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: billingTopics.map((spec) => ({
          topic: topics.physical(spec.name),
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor,
          configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (error) {
      await topics.delete(admin).catch(() => undefined);
      throw error;
    }
    return topics;
  }

  /** Where a billing topic's records of this run are. */
  physical(topic: string): string {
    return `${this.prefix}${topic}`;
  }

  /** The billing topic of one of this run's topics (any other name is returned as it is). */
  contract(physical: string): string {
    return physical.startsWith(this.prefix) ? physical.slice(this.prefix.length) : physical;
  }

  /** Every billing topic's run topic, as KafkaEventStore's topicAliases. */
  aliases(): Record<TopicName, string> {
    return prefixedTopicAliases(this.prefix);
  }

  /** Deletes the run's topics (those that are left). */
  async delete(admin: Admin): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const topics = Object.values(TopicName)
      .map((topic) => this.physical(topic))
      .filter((topic) => existing.has(topic));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  }
}
