import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MskRecordOrigin } from '../msk';
import { buildDeadLetter } from '../projection';
import { lettersOfRecord } from './incoming';

const fixture = () =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', 'lambda-on-failure-record.json'), 'utf8')) as Record<
    string,
    unknown
  >;

const letterRecord = (value: unknown, offset = '7'): MskRecordOrigin => ({
  topic: 'billing.dead-letter',
  partition: 0,
  offset,
  timestamp: '2025-11-27T09:00:06.000Z',
  timestampMs: Date.parse('2025-11-27T09:00:06.000Z'),
  timestampType: 'CREATE_TIME',
  key: Buffer.from('k').toString('base64'),
  value:
    value === null
      ? null
      : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64'),
  headers: [],
});

describe('lettersOfRecord', () => {
  it("reads Lambda's native on-failure record: source bytes, headers decoded from signed bytes, retryable", () => {
    // Act
    const [letter, ...others] = lettersOfRecord(letterRecord(fixture()));

    // Assess
    expect(others).toEqual([]);
    expect(letter).toMatchObject({
      origin: 'lambda-on-failure',
      handler: 'billing-prod-transactionProjector',
      source: {
        topic: 'billing.transaction.events',
        partition: 3,
        offset: '42',
        key: Buffer.from('0b6f5e0c-7d1e-4a2b-9c3d-4e5f6a7b8c9d').toString('base64'),
        timestamp: '2025-11-27T09:00:00.000Z',
      },
      failure: { class: 'transient', code: 'RETRIES_EXHAUSTED', attempt: 1 },
    });
    expect(letter?.failure.message).toContain('Unhandled');
    expect(letter?.failure.message).toContain('after 3 invocations');
    expect(letter?.source.headers).toContainEqual({
      key: 'event-type',
      value: Buffer.from('TopupRequested').toString('base64'),
    });
    const value = JSON.parse(Buffer.from(letter?.source.value ?? '', 'base64').toString('utf8'));
    expect(value).toMatchObject({ eventType: 'TopupRequested', payload: { amount: { minorUnits: '1500' } } });
  });

  it('reads our envelope as one letter with its id and failure', () => {
    // Prepare
    const envelope = buildDeadLetter({
      origin: { ...letterRecord('{"x":1}', '90'), topic: 'billing.account.events', partition: 2 },
      failure: { failureClass: 'deferred', code: 'ACCOUNT_NOT_FOUND', message: 'not yet' },
      handler: 'account-projector',
      failedAt: '2025-11-27T09:00:01.000Z',
    });

    // Act
    const letters = lettersOfRecord(letterRecord(envelope));

    // Assess
    expect(letters).toEqual([
      expect.objectContaining({
        id: envelope.payload.deadLetterId,
        origin: 'envelope',
        handler: 'account-projector',
        source: envelope.payload.source,
        failure: { class: 'deferred', code: 'ACCOUNT_NOT_FOUND', message: 'not yet', attempt: 1 },
      }),
    ]);
  });

  it('keeps anything else as a permanent letter whose source is the dead-letter record itself', () => {
    for (const value of ['{oops', { eventType: 'DeadLetterRecorded' }, { hello: 'world' }, null]) {
      const letters = lettersOfRecord(letterRecord(value));
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        origin: 'invalid',
        source: { topic: 'billing.dead-letter', partition: 0, offset: '7' },
        failure: { class: 'permanent', code: 'INVALID_DEAD_LETTER' },
      });
    }
    const broken = fixture();
    (broken.requestContext as Record<string, unknown>).functionArn = 42;
    expect(lettersOfRecord(letterRecord(broken))[0]?.failure.message).toContain('requestContext.functionArn');
  });
});
