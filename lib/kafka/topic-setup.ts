import type { Admin } from 'kafkajs';
import type { TopicSpec } from './topic-specs';

/** One way in which an existing topic differs from its specification. */
export interface TopicMismatch {
  readonly topic: string;
  readonly setting: string;
  readonly expected: string;
  readonly actual: string;
}

export interface TopicSetupReport {
  readonly created: readonly string[];
  readonly alreadyCorrect: readonly string[];
  /** Topics that exist with other settings: reported, never changed silently. */
  readonly mismatches: readonly TopicMismatch[];
}

/** Reads a topic's partition count, replication factor and the configs named in its spec. */
export async function describeTopic(admin: Admin, spec: TopicSpec): Promise<Record<string, string>> {
  const metadata = await admin.fetchTopicMetadata({ topics: [spec.name] });
  const partitions = metadata.topics[0]?.partitions ?? [];
  const replicationFactors = new Set(partitions.map((partition) => partition.replicas.length));
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      { type: 2 /* ConfigResourceTypes.TOPIC */, name: spec.name, configNames: Object.keys(spec.configs) },
    ],
  });
  const entries = described.resources[0]?.configEntries ?? [];
  const actual: Record<string, string> = {
    partitions: String(partitions.length),
    'replication.factor': [...replicationFactors].join('/'),
  };
  for (const entry of entries) actual[entry.configName] = entry.configValue;
  return actual;
}

/** The differences between a topic as it is and its spec. */
export function compareTopic(spec: TopicSpec, actual: Record<string, string>): TopicMismatch[] {
  const expected: Record<string, string> = {
    partitions: String(spec.partitions),
    'replication.factor': String(spec.replicationFactor),
    ...spec.configs,
  };
  return Object.entries(expected)
    .filter(([setting, value]) => actual[setting] !== value)
    .map(([setting, value]) => ({
      topic: spec.name,
      setting,
      expected: value,
      actual: actual[setting] ?? '(absent)',
    }));
}

/**
 * Creates the missing topics with their specs and checks the existing ones. Idempotent: a second
 * run creates nothing. A topic that exists with other settings is reported in `mismatches`.
 */
export async function setUpTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<TopicSetupReport> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const alreadyCorrect: string[] = [];
  const mismatches: TopicMismatch[] = [];
  for (const spec of specs) {
    const differences = compareTopic(spec, await describeTopic(admin, spec));
    mismatches.push(...differences);
    if (differences.length === 0 && existing.has(spec.name)) alreadyCorrect.push(spec.name);
  }
  return { created: missing.map((spec) => spec.name), alreadyCorrect, mismatches };
}
