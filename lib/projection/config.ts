import * as z from 'zod';
import { TopicName } from '../../schemas';
import { DEFAULT_POOL_SIZE, ProjectionEnvVariable } from './constants';
import { ProjectionConfigError } from './errors';

/** The projectors' own settings; the database URL itself comes from lib/config (URL or secret). */
export interface ProjectionSettings {
  readonly poolSize: number;
  /** Where the outbox writes each billing topic's events: empty unless a run has topics of its own. */
  readonly topicAliases: Readonly<Partial<Record<TopicName, string>>>;
}

const PoolSizeSchema = z.coerce.number().int().min(1).max(64).default(DEFAULT_POOL_SIZE);
/** A run's prefix, as lib/kafka/testing/run-topics.ts makes it: `test.<run>.` (Kafka's topic characters). */
const TopicPrefixSchema = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,100}\.$/, 'must be Kafka topic characters ending in a dot')
  .optional();

const invalid = (variable: string, error: z.ZodError) =>
  new ProjectionConfigError(
    `Invalid projection configuration: ${variable}: ${error.issues.map((issue) => issue.message).join('; ')}`,
    { cause: error },
  );

/** Reads and validates the projectors' settings; the error names the variable at fault. */
export function loadProjectionSettings(env: NodeJS.ProcessEnv = process.env): ProjectionSettings {
  const poolSize = PoolSizeSchema.safeParse(env[ProjectionEnvVariable.poolSize] || undefined);
  if (!poolSize.success) throw invalid(ProjectionEnvVariable.poolSize, poolSize.error);
  const prefix = TopicPrefixSchema.safeParse(env[ProjectionEnvVariable.topicPrefix] || undefined);
  if (!prefix.success) throw invalid(ProjectionEnvVariable.topicPrefix, prefix.error);
  const topicAliases =
    prefix.data === undefined
      ? {}
      : Object.fromEntries(Object.values(TopicName).map((topic) => [topic, `${prefix.data}${topic}`]));
  return { poolSize: poolSize.data, topicAliases };
}
