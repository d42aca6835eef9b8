import { Logger } from '@aws-lambda-powertools/logger';
import { AccountEventType, type BillingEvent, TopicName } from '../../schemas';
import { BYTES_PER_MB, KafkaEventStore, type KafkaProducerPort, type OutgoingRecord } from './index';
import { deadLetterOfSize, sampleEvents, sampleIds } from './testing/sample-events';

/** A producer port that records what it is asked to send. */
class RecordingProducer implements KafkaProducerPort {
  readonly sends: OutgoingRecord[][] = [];
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async send(records: readonly OutgoingRecord[]) {
    this.sends.push([...records]);
    return [{ topic: records[0]?.topic ?? '', partition: 0, baseOffset: '0' }];
  }
}

function storeWithProducer() {
  const producer = new RecordingProducer();
  const logger = new Logger({ serviceName: 'event-store-test', logLevel: 'SILENT' });
  const warn = jest.spyOn(logger, 'warn');
  return { producer, warn, store: new KafkaEventStore({ producer, logger }) };
}

describe('KafkaEventStore', () => {
  it('sends every event type to its topic, keyed by partition key, with envelope headers', async () => {
    // Prepare
    const { producer, store } = storeWithProducer();
    const ids = sampleIds();
    const events = sampleEvents(ids);

    // Act
    const result = await store.appendMany(events);

    // Assess
    expect(result.ok).toBe(true);
    const records = producer.sends.flat();
    expect(records).toHaveLength(events.length);
    const opened = records[0];
    expect(opened?.topic).toBe(TopicName.accountEvents);
    expect(opened?.key).toBe(ids.accountId);
    expect(opened?.headers).toEqual({
      'event-type': AccountEventType.accountOpened,
      'schema-version': '1',
      'correlation-id': ids.correlationId,
      'content-type': 'application/json',
    });
    expect(JSON.parse(opened?.value.toString('utf8') ?? '')).toEqual(events[0]);
    const sagaKeys = records
      .filter((record) => record.topic === TopicName.sagaEvents)
      .map((record) => record.key);
    expect(new Set(sagaKeys)).toEqual(new Set([ids.transferId]));
  });

  it('sends nothing when one event of the call fails its schema', async () => {
    // Prepare
    const { producer, store } = storeWithProducer();
    const events = sampleEvents();
    const broken = {
      ...events[3],
      payload: { ...(events[3] as BillingEvent).payload, amount: { minorUnits: '-5', currency: 'EUR' } },
    };

    // Act
    const result = await store.appendMany([events[0], broken, events[4]] as BillingEvent[]);

    // Assess
    expect(producer.sends).toHaveLength(0);
    expect(result).toMatchObject({ ok: false, rejection: { reason: 'invalid-event', index: 1 } });
    if (result.ok) throw new Error('unreachable');
    expect(result.rejection.message).toMatch(/payload\.amount\.minorUnits/);
  });

  it('refuses an unknown event type as invalid', async () => {
    // Prepare
    const { producer, store } = storeWithProducer();
    const event = { ...sampleEvents()[0], eventType: 'AccountTeleported' } as unknown as BillingEvent;

    // Act
    const result = await store.append(event);

    // Assess
    expect(producer.sends).toHaveLength(0);
    expect(result).toMatchObject({ ok: false, rejection: { reason: 'invalid-event', index: 0 } });
  });

  it('rejects a 15.23 MB event with the exact message and sends nothing of the call', async () => {
    // Prepare
    const { producer, store } = storeWithProducer();
    const huge = deadLetterOfSize(Math.round(15.23 * BYTES_PER_MB));

    // Act
    const result = await store.appendMany([sampleEvents()[0] as BillingEvent, huge]);

    // Assess
    expect(producer.sends).toHaveLength(0);
    expect(result).toEqual({
      ok: false,
      rejection: {
        reason: 'event-too-large',
        index: 1,
        eventId: huge.eventId,
        bytes: expect.any(Number),
        message: 'Event message size (15.23 MB) exceeds maximum allowed size (10 MB)',
      },
    });
  });

  it('sends a 2.34 MB event with a structured warning', async () => {
    // Prepare
    const { producer, store, warn } = storeWithProducer();
    const large = deadLetterOfSize(Math.round(2.34 * BYTES_PER_MB));

    // Act
    const result = await store.append(large);

    // Assess
    expect(result.ok).toBe(true);
    expect(producer.sends.flat()).toHaveLength(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      `Large event detected (2.34 MB): DeadLetterRecorded for aggregate ${large.aggregateId}`,
      expect.objectContaining({
        eventId: large.eventId,
        aggregateId: large.aggregateId,
        sizeBytes: expect.any(Number),
      }),
    );
  });

  it('splits a call into sequential sends below the per-request byte budget, keeping order', async () => {
    // Prepare
    const { producer, store } = storeWithProducer();
    const events = Array.from({ length: 5 }, () => deadLetterOfSize(3 * BYTES_PER_MB));

    // Act
    const result = await store.appendMany(events);

    // Assess
    expect(result.ok).toBe(true);
    expect(producer.sends.map((send) => send.length)).toEqual([2, 2, 1]);
    expect(producer.sends.flat().map((record) => JSON.parse(record.value.toString()).eventId)).toEqual(
      events.map((event) => event.eventId),
    );
  });

  describe('appendEntries', () => {
    it('sends trusted entries as given (their JSON text), validates untrusted ones, in order', async () => {
      // Prepare
      const { producer, store } = storeWithProducer();
      const [first, second] = sampleEvents() as [BillingEvent, BillingEvent];

      // Act
      const result = await store.appendEntries([
        { event: first, trusted: true, json: JSON.stringify(first) },
        { event: second },
      ]);

      // Assess
      expect(result.ok).toBe(true);
      const records = producer.sends.flat();
      expect(records.map((record) => JSON.parse(record.value.toString('utf8')))).toEqual([first, second]);
    });

    it('still refuses an untrusted invalid event, and sends nothing of the call', async () => {
      // Prepare
      const { producer, store } = storeWithProducer();
      const [first] = sampleEvents() as [BillingEvent];
      const broken = { ...first, eventId: 'not-a-uuid' } as BillingEvent;

      // Act
      const result = await store.appendEntries([{ event: first, trusted: true }, { event: broken }]);

      // Assess
      expect(producer.sends).toHaveLength(0);
      expect(result).toMatchObject({ ok: false, rejection: { reason: 'invalid-event', index: 1 } });
    });

    it('still applies the size limit to a trusted event', async () => {
      // Prepare
      const { producer, store } = storeWithProducer();
      const huge = deadLetterOfSize(Math.round(15.23 * BYTES_PER_MB));

      // Act
      const result = await store.appendEntries([{ event: huge, trusted: true }]);

      // Assess
      expect(producer.sends).toHaveLength(0);
      expect(result).toMatchObject({ ok: false, rejection: { reason: 'event-too-large', index: 0 } });
    });
  });
});
