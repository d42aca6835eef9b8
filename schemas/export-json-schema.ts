/**
 * Writes `schemas/json/<topic>.schema.json` for every topic from the zod schemas.
 * Run: `npx tsx schemas/export-json-schema.ts` (a test checks the committed files are current).
 * With `--publish`, also records each changed schema as the next `schemas/published/<topic>/vN`
 * snapshot: do that when the schema is registered, so the compatibility guards have it (FORWARD
 * against the latest snapshot, BACKWARD against every snapshot for replay).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publishSnapshot } from './compat/snapshots';
import { contractTopics, jsonSchemaFileName, serializeJsonSchema, topicJsonSchema } from './json-schema';

const outputDir = join(__dirname, 'json');

/** Export every topic's JSON Schema into `dir`; returns the files written. */
export function exportJsonSchemas(dir: string = outputDir): string[] {
  mkdirSync(dir, { recursive: true });
  return contractTopics.map((topic) => {
    const file = join(dir, jsonSchemaFileName(topic));
    writeFileSync(file, serializeJsonSchema(topicJsonSchema(topic)));
    return file;
  });
}

if (require.main === module) {
  for (const file of exportJsonSchemas()) console.log(`wrote ${file}`);
  if (process.argv.includes('--publish')) {
    for (const topic of contractTopics) {
      const file = publishSnapshot(topic, topicJsonSchema(topic));
      console.log(
        file === undefined ? `${topic}: unchanged since the last published version` : `published ${file}`,
      );
    }
  }
}
