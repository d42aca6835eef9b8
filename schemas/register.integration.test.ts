import { randomUUID } from 'node:crypto';
import { TopicName } from './constants';
import { IncompatibleSchemaError } from './errors';
import { contractTopics, subjectOf, topicJsonSchema } from './json-schema';
import { registerTopicSchemas } from './register';
import { REGISTRY_CONTENT_TYPE, resolveRegistryUrl } from './registry';

/*
 * `schemas:register` against the live registry: Apicurio Registry in native mode (started by
 * `npm run stack:up`), Confluent Schema Registry in compose mode. SCHEMA_REGISTRY_URL may name either.
 */
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081';

async function get<T>(path: string): Promise<T> {
  const base = await resolveRegistryUrl(registryUrl);
  const response = await fetch(`${base}${path}`, { headers: { accept: REGISTRY_CONTENT_TYPE } });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const versionsOf = (subject: string) => get<number[]>(`/subjects/${encodeURIComponent(subject)}/versions`);

describe('schemas:register against the live registry', () => {
  it('registers every topic schema under <topic>-value with FORWARD compatibility', async () => {
    // Act
    const results = await registerTopicSchemas(registryUrl);

    // Assess
    expect(results.map((result) => result.subject)).toEqual(contractTopics.map(subjectOf));
    for (const topic of contractTopics) {
      const subject = subjectOf(topic);
      const config = await get<{ compatibilityLevel?: string }>(`/config/${encodeURIComponent(subject)}`);
      const latest = await get<{ schema: string }>(
        `/subjects/${encodeURIComponent(subject)}/versions/latest`,
      );
      expect(config.compatibilityLevel).toBe('FORWARD');
      expect(JSON.parse(latest.schema)).toEqual(topicJsonSchema(topic));
    }
  });

  it('changes nothing when the same schemas are registered again', async () => {
    // Prepare
    const first = await registerTopicSchemas(registryUrl);
    const versionsBefore = await Promise.all(contractTopics.map((topic) => versionsOf(subjectOf(topic))));

    // Act
    const again = await registerTopicSchemas(registryUrl);

    // Assess
    const versionsAfter = await Promise.all(contractTopics.map((topic) => versionsOf(subjectOf(topic))));
    expect(again.map((result) => result.id)).toEqual(first.map((result) => result.id));
    expect(again.every((result) => !result.firstVersion)).toBe(true);
    expect(versionsAfter).toEqual(versionsBefore);
  });

  it("refuses a FORWARD-incompatible change with the registry's own message and keeps the subject as it was", async () => {
    // Prepare: a fresh subject holding the account events' schema without its last event type;
    // then the full schema, which adds that type (consumers still reading with the first version
    // could not validate its records: FORWARD forbids it).
    const topic = TopicName.accountEvents;
    const subject = `billing-test-${randomUUID()}-value`;
    const full = topicJsonSchema(topic) as { oneOf: unknown[] };
    const withoutLastType = { ...full, oneOf: full.oneOf.slice(0, -1) };
    await registerTopicSchemas(
      registryUrl,
      [topic],
      () => withoutLastType,
      () => subject,
    );

    // Act
    const act = registerTopicSchemas(
      registryUrl,
      [topic],
      () => full,
      () => subject,
    );

    // Assess
    await expect(act).rejects.toThrow(IncompatibleSchemaError);
    await expect(act).rejects.toThrow(/incompatible/i);
    expect(await versionsOf(subject)).toHaveLength(1);
  });
});
