import type { Logger } from '@aws-lambda-powertools/logger';
import type { Pool } from 'pg';
import { type BillingEvent, headersOf, partitionKeyOf, topicOfEventType } from '../../../schemas';
import { partitionOfKey } from '../../kafka/partitioner';
import { billingTopics } from '../../kafka/topic-specs';
import { buildMskEvent, decodeBillingMskEvent, type KafkaRecordInput } from '../../msk';
import type { EventPublisher } from '../../outbox';
import { projectMskEvent } from '../runner';
import type { ProjectionReport, TopicProjector } from '../types';

/**
 * Projection straight into a test database, with no broker: events become records of their real
 * topic, key and partition (the producer's partitioner), at increasing offsets, handed as MSK
 * events to the real decoder and runner. Published outbox events are kept in `published` (or the
 * publish fails, when `failPublish` says so). For tests whose subject is the SQL, not Kafka.
 */
/** Next offset per topic-partition, shared by every run of the process: records never share coordinates. */
const nextOffset = new Map<string, bigint>();

export function directRun(pool: Pool, logger: Logger) {
  const published: BillingEvent[] = [];
  const state = { failPublish: false };
  const publisher: EventPublisher = {
    async publish(events) {
      if (state.failPublish) throw new Error('publish refused (test)');
      published.push(...events);
    },
  };
  const recordOf = (topic: string, key: string, value: Buffer, headers: Record<string, string> = {}) => {
    const spec = billingTopics.find((candidate) => candidate.name === topic);
    const partition = partitionOfKey(Buffer.from(key), spec?.partitions ?? 1);
    const id = `${topic}|${partition}`;
    const offset = nextOffset.get(id) ?? 1_000_000n;
    nextOffset.set(id, offset + 1n);
    const record: KafkaRecordInput = {
      topic,
      partition,
      offset: String(offset),
      timestamp: String(Date.now()),
      key: Buffer.from(key),
      value,
      headers: Object.entries(headers).map(([name, text]) => ({ key: name, value: Buffer.from(text) })),
    };
    return record;
  };
  const recordsOf = (events: readonly BillingEvent[]) =>
    events.map((event) =>
      recordOf(
        topicOfEventType(event.eventType),
        partitionKeyOf(event),
        Buffer.from(JSON.stringify(event)),
        headersOf(event),
      ),
    );
  const projectRecords = async (
    projector: TopicProjector,
    records: readonly KafkaRecordInput[],
    now = new Date(),
  ): Promise<ProjectionReport> => {
    const event = JSON.parse(
      JSON.stringify(buildMskEvent({ eventSourceArn: 'direct-run', bootstrapServers: [], records })),
    );
    return projectMskEvent(
      decodeBillingMskEvent(event),
      { pool, publisher, projector },
      { now: now.toISOString(), logger },
    );
  };
  return {
    published,
    publisher,
    state,
    recordOf,
    recordsOf,
    projectRecords,
    project: (projector: TopicProjector, events: readonly BillingEvent[], now?: Date) =>
      projectRecords(projector, recordsOf(events), now),
  };
}
