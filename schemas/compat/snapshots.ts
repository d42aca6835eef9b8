import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopicName } from '../constants';
import { serializeJsonSchema } from '../json-schema';
import type { JsonSchema } from './compatibility';

/** Where published schemas live: `schemas/published/<topic>/v<N>.schema.json`, one file per version. */
export const PUBLISHED_DIR = join(__dirname, '..', 'published');

export interface PublishedSchema {
  readonly version: number;
  readonly file: string;
  readonly schema: JsonSchema;
}

const VERSION_FILE = /^v([1-9][0-9]*)\.schema\.json$/;

/** Every published snapshot of a topic, oldest first. */
export function publishedSchemas(topic: TopicName, dir: string = PUBLISHED_DIR): PublishedSchema[] {
  const topicDir = join(dir, topic);
  if (!existsSync(topicDir)) return [];
  return readdirSync(topicDir)
    .flatMap((name) => {
      const match = VERSION_FILE.exec(name);
      return match?.[1] === undefined ? [] : [{ version: Number(match[1]), file: join(topicDir, name) }];
    })
    .sort((a, b) => a.version - b.version)
    .map(({ version, file }) => ({
      version,
      file,
      schema: JSON.parse(readFileSync(file, 'utf8')) as JsonSchema,
    }));
}

/** The newest published snapshot of a topic, if any. */
export const latestPublishedSchema = (
  topic: TopicName,
  dir: string = PUBLISHED_DIR,
): PublishedSchema | undefined => publishedSchemas(topic, dir).at(-1);

/**
 * Record `schema` as the next published version of `topic` unless it equals the latest one.
 * Returns the file written, or undefined when nothing changed.
 */
export function publishSnapshot(
  topic: TopicName,
  schema: unknown,
  dir: string = PUBLISHED_DIR,
): string | undefined {
  const text = serializeJsonSchema(schema);
  const latest = latestPublishedSchema(topic, dir);
  if (latest !== undefined && serializeJsonSchema(latest.schema) === text) return undefined;
  const topicDir = join(dir, topic);
  mkdirSync(topicDir, { recursive: true });
  const file = join(topicDir, `v${(latest?.version ?? 0) + 1}.schema.json`);
  writeFileSync(file, text);
  return file;
}
