import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompatibilityMode,
  checkCompatibility,
  formatCompatibilityIssues,
  publishedLabel,
} from './compat/compatibility';
import { latestPublishedSchema, publishedSchemas, publishSnapshot } from './compat/snapshots';
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

  // What the registry enforces on `<topic>-value`: consumers still on the latest published version
  // must read records written with the current schema.
  it.each(contractTopics)(
    'the current %s schema is FORWARD compatible with its latest published version',
    (topic) => {
      // Prepare
      const latest = latestPublishedSchema(topic);
      if (latest === undefined) throw new Error(`no published snapshot for ${topic}`);
      const labels = { published: publishedLabel(latest.version) };

      // Act
      const issues = checkCompatibility(
        latest.schema,
        topicJsonSchema(topic),
        CompatibilityMode.forward,
        labels,
      );

      // Assess: the report names each field and why consumers on v<N> would reject new records
      expect(formatCompatibilityIssues(subjectOf(topic), issues, CompatibilityMode.forward, labels)).toBe(
        `${subjectOf(topic)}: FORWARD compatible`,
      );
    },
  );

  // Replay: topics keep every event forever, so the current code must read records written with
  // EVERY published version, not only the latest (the registry does not check this).
  describe.each(contractTopics)('replaying %s', (topic) => {
    it.each(publishedSchemas(topic))(
      'the current schema is BACKWARD compatible with published v$version',
      ({ version, schema }) => {
        // Prepare
        const labels = { published: publishedLabel(version) };

        // Act
        const issues = checkCompatibility(schema, topicJsonSchema(topic), CompatibilityMode.backward, labels);

        // Assess: the report names each field and why the current schema rejects v<N> records
        expect(formatCompatibilityIssues(subjectOf(topic), issues, CompatibilityMode.backward, labels)).toBe(
          `${subjectOf(topic)}: BACKWARD compatible`,
        );
      },
    );
  });
});
