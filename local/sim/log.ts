import { partitionOfKey } from '../../lib/kafka/partitioner';
import { billingTopics } from '../../lib/kafka/topic-specs';
import type { KafkaProducerPort, OutgoingRecord, PartitionWrite } from '../../lib/kafka/types';
import type { KafkaRecordInput } from '../../lib/msk/build';
import { TopicName } from '../../schemas';

/** A record of the in-process log: what a consumer would fetch from the cluster. */
export interface LogRecord extends KafkaRecordInput {
  readonly partition: number;
  readonly offset: number;
}

/**
 * The in-process log in place of Kafka: the billing topics with the partition counts of their
 * specs (lib/kafka/topic-specs.ts), keyed records placed by the Java-compatible partitioner, offsets
 * per partition. Records are never removed (infinite retention).
 */
export class SimLog {
  readonly #partitions = new Map<string, LogRecord[][]>();
  #keyless = 0;
  /** Event ids of every record appended through a producer (the outbox check reads them). */
  readonly appendedEventIds = new Set<string>();

  constructor() {
    for (const spec of billingTopics) {
      this.#partitions.set(
        spec.name,
        Array.from({ length: spec.partitions }, () => []),
      );
    }
  }

  partitionsOf(topic: string): number {
    return this.#of(topic).length;
  }

  #of(topic: string): LogRecord[][] {
    const partitions = this.#partitions.get(topic);
    if (!partitions) throw new Error(`no topic ${topic} in the simulated log`);
    return partitions;
  }

  /** Appends one record; a keyed one goes to its key's partition, a keyless one round robin. */
  append(record: {
    readonly topic: string;
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: KafkaRecordInput['headers'];
    readonly timestamp: number;
    readonly partition?: number;
  }): LogRecord {
    const partitions = this.#of(record.topic);
    const partition =
      record.partition ??
      (record.key === null
        ? this.#keyless++ % partitions.length
        : partitionOfKey(record.key, partitions.length));
    const records = partitions[partition] as LogRecord[];
    const appended: LogRecord = {
      topic: record.topic,
      partition,
      offset: records.length,
      timestamp: record.timestamp,
      key: record.key,
      value: record.value,
      headers: record.headers,
    };
    records.push(appended);
    return appended;
  }

  end(topic: string, partition: number): number {
    return this.#of(topic)[partition]?.length ?? 0;
  }

  read(topic: string, partition: number, from: number, max: number): LogRecord[] {
    return (this.#of(topic)[partition] ?? []).slice(from, from + max);
  }

  /** Every record of a topic, partition by partition. */
  all(topic: string): LogRecord[] {
    return this.#of(topic).flat();
  }

  get totalRecords(): number {
    let total = 0;
    for (const partitions of this.#partitions.values())
      for (const records of partitions) total += records.length;
    return total;
  }
}

/** How a producer's next send fails, if it does. */
export type SendFault = 'refused' | 'ack-lost';

/** Raised by the simulated producer, as kafkajs raises a delivery or authorization failure. */
export class SimSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimSendError';
  }
}

/**
 * A producer of one function onto the log: it may only write the topics its role allows
 * (serverless.yml kafkaProduces), and fails when the step's fault plan says so: `refused` writes
 * nothing, `ack-lost` writes the records and then throws, as a send whose acknowledgement is lost.
 */
export class SimProducer implements KafkaProducerPort {
  /** Faults for the next sends, consumed in order. */
  readonly faults: SendFault[] = [];
  /** Told of every send that failed, and why (the trace shows it). */
  onFailure: ((reason: string) => void) | undefined;

  constructor(
    private readonly log: SimLog,
    private readonly name: string,
    private readonly allowed: ReadonlySet<string>,
    private readonly clock: () => number,
  ) {}

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  async send(records: readonly OutgoingRecord[]): Promise<readonly PartitionWrite[]> {
    const forbidden = records.find((record) => !this.allowed.has(record.topic));
    if (forbidden) {
      const reason = `TOPIC_AUTHORIZATION_FAILED: ${this.name} may not write ${forbidden.topic} (serverless.yml kafkaProduces)`;
      this.onFailure?.(reason);
      throw new SimSendError(reason);
    }
    const fault = this.faults.shift();
    if (fault) this.onFailure?.(`${this.name}: send ${fault}`);
    if (fault === 'refused') throw new SimSendError(`${this.name}: injected send failure (nothing written)`);
    const writes: PartitionWrite[] = [];
    for (const record of records) {
      const appended = this.log.append({
        topic: record.topic,
        key: Buffer.from(record.key),
        value: record.value,
        headers: Object.entries(record.headers).map(([key, value]) => ({ key, value: Buffer.from(value) })),
        timestamp: this.clock(),
      });
      const eventId = (JSON.parse(record.value.toString('utf8')) as { eventId?: string }).eventId;
      if (eventId) this.log.appendedEventIds.add(eventId.toLowerCase());
      writes.push({
        topic: appended.topic,
        partition: appended.partition,
        baseOffset: String(appended.offset),
      });
    }
    if (fault === 'ack-lost')
      throw new SimSendError(`${this.name}: injected lost acknowledgement (records written)`);
    return writes;
  }
}

export const billingTopicNames: readonly string[] = Object.values(TopicName);
