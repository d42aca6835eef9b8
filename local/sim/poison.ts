import type { KafkaRecordInput } from '../../lib/msk/build';
import {
  AccountEventType,
  LATEST_SCHEMA_VERSION,
  SagaEventType,
  TopicName,
  TransactionEventType,
} from '../../schemas';

/** Hostile records a producer outside our control can write to a billing topic. */
export const PoisonKind = {
  /** A raw NUL character in the JSON text (PostgreSQL refuses NUL in text and jsonb). */
  nul: 'nul',
  /** A Confluent Schema Registry wire-format value: magic byte 0x00, a schema id, then the JSON. */
  wireFormat: 'wire-format',
  /** Bytes that are not UTF-8 inside the JSON. */
  invalidUtf8: 'invalid-utf8',
  /** An invalid event with header keys and values that are not ASCII (a NUL among them). */
  nonAsciiHeaders: 'non-ascii-headers',
  /** A field of 200,000 characters (an event type, a reference). */
  oversized: 'oversized',
  /** A number where the schema has a string (minor units, an id). */
  numberForString: 'number-for-string',
} as const;
export type PoisonKind = (typeof PoisonKind)[keyof typeof PoisonKind];

interface PoisonInput {
  readonly accountId: string;
  readonly otherAccountId: string;
  readonly id: () => string;
  readonly now: string;
}

/** A plausible event of the topic, as JSON, that the poison is made from. */
function baseEvent(topic: string, input: PoisonInput): Record<string, unknown> {
  const eventId = input.id();
  const envelope = {
    eventId,
    schemaVersion: LATEST_SCHEMA_VERSION,
    occurredAt: input.now,
    correlationId: input.id(),
    causationId: eventId,
  };
  const amount = { minorUnits: '500', currency: 'EUR' };
  switch (topic) {
    case TopicName.accountEvents:
      return {
        ...envelope,
        aggregateId: input.accountId,
        eventType: AccountEventType.accountStatusChanged,
        payload: { accountId: input.accountId, from: 'active', to: 'suspended', reason: 'poison' },
      };
    case TopicName.sagaEvents: {
      const transferId = input.id();
      return {
        ...envelope,
        aggregateId: transferId,
        eventType: SagaEventType.transferRequested,
        payload: { transferId, fromAccountId: input.accountId, toAccountId: input.otherAccountId, amount },
      };
    }
    default: {
      const transactionId = input.id();
      return {
        ...envelope,
        aggregateId: transactionId,
        eventType: TransactionEventType.topupRequested,
        payload: { transactionId, accountId: input.accountId, amount },
      };
    }
  }
}

/** A poison record of `kind` for `topic`, keyed like the topic's real records. */
export function poisonRecord(
  kind: PoisonKind,
  topic: string,
  input: PoisonInput,
): Pick<KafkaRecordInput, 'topic' | 'key' | 'value' | 'headers'> {
  const event = baseEvent(topic, input);
  const json = JSON.stringify(event);
  const key = topic === TopicName.deadLetter ? null : Buffer.from(input.accountId);
  const headers: { key: string; value: Buffer | null }[] = [
    { key: 'event-type', value: Buffer.from(String(event.eventType)) },
  ];
  switch (kind) {
    case PoisonKind.nul:
      return { topic, key, headers, value: Buffer.from(`{\u0000${json.slice(1)}`) };
    case PoisonKind.wireFormat:
      return {
        topic,
        key,
        headers,
        value: Buffer.concat([Buffer.from([0x00, 0x00, 0x00, 0x00, 0x2a]), Buffer.from(json)]),
      };
    case PoisonKind.invalidUtf8: {
      const bytes = Buffer.from(json);
      const at = json.indexOf('"payload"');
      return {
        topic,
        key,
        headers,
        value: Buffer.concat([
          bytes.subarray(0, at),
          Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
          bytes.subarray(at),
        ]),
      };
    }
    case PoisonKind.nonAsciiHeaders:
      return {
        topic,
        key,
        headers: [
          ...headers,
          { key: 'x-trace-é', value: Buffer.from([0xc3, 0x28, 0xff, 0x00, 0x80]) },
          { key: 'x-null\u0000key', value: null },
        ],
        value: Buffer.from(JSON.stringify({ ...event, schemaVersion: 'one' })),
      };
    case PoisonKind.oversized: {
      const huge = 'x'.repeat(200_000);
      const payload = { ...(event.payload as Record<string, unknown>), reference: huge };
      return {
        topic,
        key,
        headers,
        value: Buffer.from(
          JSON.stringify({ ...event, eventType: `${String(event.eventType)}${huge}`, payload }),
        ),
      };
    }
    case PoisonKind.numberForString: {
      const payload = event.payload as Record<string, unknown>;
      const changed = payload.amount
        ? { ...payload, amount: { minorUnits: 500, currency: 'EUR' } }
        : { ...payload, accountId: 12_345 };
      return { topic, key, headers, value: Buffer.from(JSON.stringify({ ...event, payload: changed })) };
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown poison ${String(never)}`);
    }
  }
}
