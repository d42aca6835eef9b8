import * as z from 'zod';
import type { TopicName } from '../../schemas';
import { prefixedTopicAliases, TOPIC_PREFIX_PATTERN } from '../kafka/topic-prefix';
import { ProjectionEnvVariable } from './constants';
import { ProjectionConfigError } from './errors';

/** The projectors' own settings (the pool's are lib/database's; the database URL is lib/config's). */
export interface ProjectionSettings {
  /** Where the outbox writes each billing topic's events: empty unless a run has topics of its own. */
  readonly topicAliases: Readonly<Partial<Record<TopicName, string>>>;
}

/** A run's prefix, as lib/kafka/testing/run-topics.ts makes it: `test.<run>.` (Kafka's topic characters). */
const TopicPrefixSchema = z
  .string()
  .regex(TOPIC_PREFIX_PATTERN, 'must be Kafka topic characters ending in a dot')
  .optional();

/** Reads and validates the projectors' settings; the error names the variable at fault. */
export function loadProjectionSettings(env: NodeJS.ProcessEnv = process.env): ProjectionSettings {
  const prefix = TopicPrefixSchema.safeParse(env[ProjectionEnvVariable.topicPrefix] || undefined);
  if (!prefix.success) {
    throw new ProjectionConfigError(
      `Invalid projection configuration: ${ProjectionEnvVariable.topicPrefix}: ${prefix.error.issues.map((issue) => issue.message).join('; ')}`,
      { cause: prefix.error },
    );
  }
  const topicAliases = prefix.data === undefined ? {} : prefixedTopicAliases(prefix.data);
  return { topicAliases };
}
