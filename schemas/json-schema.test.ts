import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkForwardCompatibility, formatCompatibilityIssues } from './compat/forward';
import { latestPublishedSchema, publishSnapshot } from './compat/snapshots';
import { exportJsonSchemas } from './export-json-schema';
import {
  contractTopics,
  jsonSchemaFileName,
  serializeJsonSchema,
  subjectOf,
  topicJsonSchema,
} from './json-schema';

describe('JSON Schema export', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'schemas-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is reproducible: two runs write the same bytes', async () => {
    // Prepare
    const first = await Promise.all(exportJsonSchemas(dir).map((file) => readFile(file)));

    // Act
    const second = await Promise.all(exportJsonSchemas(dir).map((file) => readFile(file)));

    // Assess
    expect(second).toEqual(first);
  });

  it.each(contractTopics)('committed schemas/json/%s.schema.json equals a fresh export', (topic) => {
    // Prepare
    const committed = readFileSync(join(__dirname, 'json', jsonSchemaFileName(topic)), 'utf8');

    // Act
    const fresh = serializeJsonSchema(topicJsonSchema(topic));

    // Assess: on failure, run `npx tsx schemas/export-json-schema.ts` and commit the result
    expect(committed).toBe(fresh);
  });

  it('publishes a snapshot only when the schema changed', () => {
    // Prepare
    const [topic] = contractTopics;
    if (topic === undefined) throw new Error('no topics');
    const schema = topicJsonSchema(topic);

    // Act
    const first = publishSnapshot(topic, schema, dir);
    const again = publishSnapshot(topic, schema, dir);
    const changed = publishSnapshot(topic, { ...schema, description: 'v2' }, dir);

    // Assess
    expect(first).toBe(join(dir, topic, 'v1.schema.json'));
    expect(again).toBeUndefined();
    expect(changed).toBe(join(dir, topic, 'v2.schema.json'));
  });
});

describe('published schemas', () => {
  it.each(contractTopics)('%s has a published snapshot', (topic) => {
    // Act
    const latest = latestPublishedSchema(topic);

    // Assess
    expect(latest?.version).toBeGreaterThanOrEqual(1);
  });

  it.each(contractTopics)(
    'the current %s schema is FORWARD compatible with its latest published version',
    (topic) => {
      // Prepare
      const latest = latestPublishedSchema(topic);
      if (latest === undefined) throw new Error(`no published snapshot for ${topic}`);

      // Act
      const issues = checkForwardCompatibility(latest.schema, topicJsonSchema(topic));

      // Assess: the report names each field and why consumers on v<N> would reject new records
      expect(
        formatCompatibilityIssues(`${subjectOf(topic)} (against published v${latest.version})`, issues),
      ).toBe(`${subjectOf(topic)} (against published v${latest.version}): FORWARD compatible`);
    },
  );
});
