import * as z from 'zod';
import { TopicName } from './constants';
import { eventSchemaByTopic } from './topics';

/** Every topic with an event contract, in a fixed order. */
export const contractTopics: readonly TopicName[] = Object.values(TopicName);

/** The Schema Registry subject of a topic's record values (TopicNameStrategy). */
export const subjectOf = (topic: TopicName): string => `${topic}-value`;

/**
 * The JSON Schema of a topic's event union, as published to the registry.
 *
 * `io: 'input'` describes what a consumer ACCEPTS, and zod objects strip unknown keys rather than
 * reject them, so the schema is an open content model (no `additionalProperties: false`). That is
 * what lets producers add fields under FORWARD compatibility: consumers on older versions ignore
 * them. A closed model would make every added field, even an optional one, a FORWARD break. An
 * added field must still be optional: the replay guard (BACKWARD against every published version)
 * refuses a new required field, since records written before it lack it.
 * Draft-07 because every registry speaking the Confluent API validates it.
 */
export const topicJsonSchema = (topic: TopicName): Record<string, unknown> => {
  const generated = z.toJSONSchema(eventSchemaByTopic[topic], { io: 'input', target: 'draft-7' }) as Record<
    string,
    unknown
  >;
  const { $schema, ...body } = generated;
  return { $schema, title: subjectOf(topic), ...body };
};

/** The canonical text of a JSON Schema file: two-space indent and a final newline, so runs are byte-identical. */
export const serializeJsonSchema = (schema: unknown): string => `${JSON.stringify(schema, null, 2)}\n`;

/** The file name of a topic's exported schema under `schemas/json/`. */
export const jsonSchemaFileName = (topic: TopicName): string => `${topic}.schema.json`;
