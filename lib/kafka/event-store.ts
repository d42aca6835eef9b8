import { Logger } from '@aws-lambda-powertools/logger';
import {
  type BillingEvent,
  EventValidationError,
  headersOf,
  parseEvent,
  partitionKeyOf,
  type TopicName,
  topicOfEventType,
} from '../../schemas';
import { type AppendRejectionReason, MAX_SEND_BYTES } from './constants';
import { checkEventSize, largeEventMessage } from './size-limits';
import type { KafkaProducerPort, OutgoingRecord, PartitionWrite } from './types';

/** Why one event of an append was refused; nothing of that call was sent. */
export type AppendRejection =
  | {
      readonly reason: typeof AppendRejectionReason.invalidEvent;
      /** Position of the refused event in the call. */
      readonly index: number;
      readonly eventId: string | undefined;
      readonly message: string;
      readonly error: EventValidationError;
    }
  | {
      readonly reason: typeof AppendRejectionReason.eventTooLarge;
      readonly index: number;
      readonly eventId: string;
      readonly message: string;
      readonly bytes: number;
    };

/** The outcome of an append: where the events went, or the first reason nothing was sent. */
export type AppendResult =
  | {
      readonly ok: true;
      readonly events: readonly AppendedEvent[];
      readonly writes: readonly PartitionWrite[];
    }
  | { readonly ok: false; readonly rejection: AppendRejection };

export interface AppendedEvent {
  readonly eventId: string;
  readonly eventType: string;
  /** The contract topic (a physical alias, if configured, is where it was written). */
  readonly topic: TopicName;
  readonly key: string;
  readonly bytes: number;
}

export interface KafkaEventStoreOptions {
  readonly producer: KafkaProducerPort;
  readonly logger?: Logger;
  /**
   * Physical topic per contract topic, where they differ (a per-environment name, a benchmark
   * topic). Validation and keys still follow the contract topic.
   */
  readonly topicAliases?: Readonly<Partial<Record<TopicName, string>>>;
}

/**
 * An event for appendEntries. `trusted` marks an event our own code derived from already-validated
 * inputs (e.g. a projector's TransactionApplied): its schema is not parsed again (unit tests
 * prove such events schema-valid), but its topic, key and size are still checked. `json` is the
 * event's JSON text if the caller already has it (JSON.stringify(event)).
 */
export interface AppendEntry {
  readonly event: BillingEvent;
  readonly trusted?: boolean;
  readonly json?: string;
}

interface PreparedEvent {
  readonly record: OutgoingRecord;
  readonly appended: AppendedEvent;
  readonly event: BillingEvent;
}

type Preparation = { ok: true; prepared: PreparedEvent } | { ok: false; rejection: AppendRejection };

const eventIdOf = (value: unknown): string | undefined => {
  const id = (value as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' ? id : undefined;
};

/**
 * Appends billing events to their topics. Every event of a call is validated against its schema
 * and size-checked before anything is sent, so a call is refused whole or sent whole (in order,
 * keyed by the aggregate's partition key, with the envelope repeated in headers).
 */
export class KafkaEventStore {
  readonly #producer: KafkaProducerPort;
  readonly #logger: Logger;
  readonly #topicAliases: Readonly<Partial<Record<TopicName, string>>>;

  constructor(options: KafkaEventStoreOptions) {
    this.#producer = options.producer;
    this.#topicAliases = options.topicAliases ?? {};
    this.#logger = options.logger ?? new Logger({ serviceName: 'billing-kafka' });
  }

  /** Connects the underlying producer. */
  async connect(): Promise<void> {
    await this.#producer.connect();
  }

  /** Disconnects the underlying producer. */
  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }

  /** Appends one event; see appendMany. */
  async append(event: BillingEvent): Promise<AppendResult> {
    return this.appendMany([event]);
  }

  /**
   * Appends events in order. Returns `{ ok: false }` without sending anything if any event is
   * invalid or too large; throws KafkaDeliveryError if the cluster cannot take them (transient).
   */
  async appendMany(events: readonly BillingEvent[]): Promise<AppendResult> {
    const prepared: PreparedEvent[] = [];
    for (const [index, event] of events.entries()) {
      const preparation = this.#prepare(index, event);
      if (!preparation.ok) return preparation;
      prepared.push(preparation.prepared);
    }
    return this.#send(prepared);
  }

  /**
   * Like appendMany, for entries some of which are trusted (see AppendEntry): untrusted ones are
   * validated as in appendMany; trusted ones skip schema parsing but not the size limit. A call is
   * still refused whole or sent whole, in order.
   */
  async appendEntries(entries: readonly AppendEntry[]): Promise<AppendResult> {
    const prepared: PreparedEvent[] = [];
    for (const [index, entry] of entries.entries()) {
      const preparation = entry.trusted
        ? this.#prepareTrusted(index, entry.event, entry.json)
        : this.#prepare(index, entry.event);
      if (!preparation.ok) return preparation;
      prepared.push(preparation.prepared);
    }
    return this.#send(prepared);
  }

  async #send(prepared: readonly PreparedEvent[]): Promise<AppendResult> {
    for (const { appended, event } of prepared) {
      if (checkEventSize(appended.bytes).verdict === 'large') {
        this.#logger.warn(largeEventMessage(appended.bytes, appended.eventType, event.aggregateId), {
          eventId: appended.eventId,
          eventType: appended.eventType,
          aggregateId: event.aggregateId,
          topic: appended.topic,
          sizeBytes: appended.bytes,
        });
      }
    }
    const writes: PartitionWrite[] = [];
    for (const chunk of chunksOf(prepared)) {
      writes.push(...(await this.#producer.send(chunk.map((entry) => entry.record))));
    }
    return { ok: true, events: prepared.map((entry) => entry.appended), writes };
  }

  #prepare(index: number, candidate: BillingEvent): Preparation {
    const topic = this.#topicOf(index, candidate);
    if (typeof topic !== 'string') return topic;
    const parsed = parseEvent(topic, candidate);
    if (!parsed.ok) {
      const { error } = parsed;
      return {
        ok: false,
        rejection: {
          reason: 'invalid-event',
          index,
          eventId: eventIdOf(candidate),
          message: error.message,
          error,
        },
      };
    }
    // The parsed event, not the input: unknown fields are stripped, so only the contract is sent.
    return this.#prepared(index, topic, parsed.event, JSON.stringify(parsed.event));
  }

  /** A trusted event: no schema parsing; topic, key and size are checked as for any event. */
  #prepareTrusted(index: number, event: BillingEvent, json: string | undefined): Preparation {
    const topic = this.#topicOf(index, event);
    if (typeof topic !== 'string') return topic;
    return this.#prepared(index, topic, event, json ?? JSON.stringify(event));
  }

  #topicOf(index: number, candidate: BillingEvent): TopicName | { ok: false; rejection: AppendRejection } {
    const eventId = eventIdOf(candidate);
    const eventType = String((candidate as { eventType?: unknown } | null)?.eventType);
    try {
      return topicOfEventType(eventType);
    } catch (cause) {
      const issue = {
        path: 'eventType',
        code: 'unknown_event_type',
        message: `unknown event type ${eventType}`,
      };
      const error = new EventValidationError('(no topic)', [issue], { cause });
      return {
        ok: false,
        rejection: { reason: 'invalid-event', index, eventId, message: error.message, error },
      };
    }
  }

  #prepared(index: number, topic: TopicName, event: BillingEvent, json: string): Preparation {
    const value = Buffer.from(json, 'utf8');
    const size = checkEventSize(value.length);
    if (size.verdict === 'too-large') {
      return {
        ok: false,
        rejection: {
          reason: 'event-too-large',
          index,
          eventId: event.eventId,
          message: size.message,
          bytes: size.bytes,
        },
      };
    }
    const key = partitionKeyOf(event);
    return {
      ok: true,
      prepared: {
        event,
        record: { topic: this.#topicAliases[topic] ?? topic, key, value, headers: headersOf(event) },
        appended: { eventId: event.eventId, eventType: event.eventType, topic, key, bytes: value.length },
      },
    };
  }
}

/** Splits prepared events into consecutive runs of at most MAX_SEND_BYTES (one event at least). */
function chunksOf(prepared: readonly PreparedEvent[]): PreparedEvent[][] {
  const chunks: PreparedEvent[][] = [];
  let current: PreparedEvent[] = [];
  let bytes = 0;
  for (const entry of prepared) {
    if (current.length > 0 && bytes + entry.appended.bytes > MAX_SEND_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.appended.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
