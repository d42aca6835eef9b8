/**
 * Registers every topic's JSON Schema under `<topic>-value` with FORWARD compatibility in the
 * Schema Registry at SCHEMA_REGISTRY_URL: Confluent Schema Registry, or Apicurio Registry (its root
 * or its /apis/ccompat/v7). An incompatible schema is refused with the registry's message and a
 * non-zero exit. Run: `npm run schemas:register`.
 * The registry checks FORWARD against the latest version only; that the current code can still
 * replay records of every published version (BACKWARD) is guarded by `schemas/json-schema.test.ts`.
 */
import type { TopicName } from './constants';
import { IncompatibleSchemaError, SchemaError } from './errors';
import { contractTopics, subjectOf, topicJsonSchema } from './json-schema';
import { resolveRegistryUrl, SchemaRegistryClient } from './registry';

export interface RegistrationResult {
  readonly topic: TopicName;
  readonly subject: string;
  readonly id: number;
  readonly firstVersion: boolean;
}

/** Register each topic's schema, FORWARD compatible with the subject's latest version; stops at the first refusal. */
export async function registerTopicSchemas(
  registryUrl: string,
  topics: readonly TopicName[] = contractTopics,
  schemaOf: (topic: TopicName) => unknown = topicJsonSchema,
  subjectFor: (topic: TopicName) => string = subjectOf,
): Promise<RegistrationResult[]> {
  const client = new SchemaRegistryClient(await resolveRegistryUrl(registryUrl));
  const results: RegistrationResult[] = [];
  for (const topic of topics) {
    const subject = subjectFor(topic);
    const schema = schemaOf(topic);
    await client.setCompatibility(subject, 'FORWARD');
    const check = await client.checkCompatibility(subject, schema);
    if (check.status === 'incompatible' && check.messages.length > 0) {
      throw new IncompatibleSchemaError(subject, check.messages);
    }
    // A refusal without reasons (Apicurio): registering is refused too (409), with the registry's message.
    const id = await client.registerSchema(subject, schema);
    results.push({ topic, subject, id, firstVersion: check.status === 'first-version' });
  }
  return results;
}

/** The CLI: reads SCHEMA_REGISTRY_URL, registers, prints one line per subject; returns the exit code. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const registryUrl = env.SCHEMA_REGISTRY_URL;
  if (registryUrl === undefined || registryUrl === '') {
    console.error('SCHEMA_REGISTRY_URL is not set (e.g. http://localhost:8081)');
    return 2;
  }
  try {
    for (const result of await registerTopicSchemas(registryUrl)) {
      console.log(
        `${result.subject}: schema id ${result.id}${result.firstVersion ? ' (first version)' : ''}`,
      );
    }
    return 0;
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    console.error(error.message);
    return 1;
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
