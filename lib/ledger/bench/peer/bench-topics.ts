import { billingTopicConfigs, billingTopics } from '../../../kafka/topic-specs';
import type { TopicAliases } from './bench-projection';

/** The prefix of every topic the peer benchmark creates (and deletes): never a billing topic. */
export const BENCH_TOPIC_PREFIX = 'bench.peer';

export interface BenchTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * One benchmark topic per billing topic, shaped like it (partitions, replication, configs) and
 * named `bench.peer.<run>.<billing topic without its "billing." prefix>`; the aliases map each
 * billing topic to its stand-in.
 */
export function benchTopics(run: string): {
  readonly topics: readonly BenchTopic[];
  readonly aliases: TopicAliases;
} {
  if (!/^[a-z0-9-]+$/.test(run)) throw new Error(`not a run id: ${run}`);
  const topics = billingTopics.map((spec) => ({
    name: `${BENCH_TOPIC_PREFIX}.${run}.${spec.name.replace(/^billing\./, '')}`,
    partitions: spec.partitions,
    replicationFactor: spec.replicationFactor,
    configs: billingTopicConfigs,
  }));
  const aliases = Object.fromEntries(
    billingTopics.map((spec, index) => [spec.name, topics[index]?.name]),
  ) as unknown as TopicAliases;
  return { topics, aliases };
}
