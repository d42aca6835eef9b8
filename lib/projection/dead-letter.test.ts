import { DeadLetterRecordedSchema } from '../../schemas';
import type { MskRecordOrigin } from '../msk';
import { buildDeadLetter, deadLetterIdOf } from './index';

const origin = (): MskRecordOrigin => ({
  topic: 'billing.transaction.events',
  partition: 7,
  offset: '90',
  timestamp: '2025-11-27T09:00:00.000Z',
  timestampMs: Date.parse('2025-11-27T09:00:00.000Z'),
  timestampType: 'CREATE_TIME',
  key: Buffer.from('acct-1').toString('base64'),
  value: Buffer.from('{not json').toString('base64'),
  headers: [
    { key: 'correlation-id', value: Buffer.from('5f0c8f0e-3a4b-4c1d-9e2f-0a1b2c3d4e5f').toString('base64') },
    { key: 'x-empty', value: null },
  ],
});

describe('buildDeadLetter', () => {
  it('keeps the original record byte for byte and the failure, as a valid DeadLetterRecorded', () => {
    // Act
    const letter = buildDeadLetter({
      origin: origin(),
      failure: { failureClass: 'permanent', code: 'NOT_JSON', message: 'value is not UTF-8 JSON' },
      handler: 'transaction-projector',
      failedAt: '2025-11-27T09:00:01.000Z',
    });

    // Assess
    expect(DeadLetterRecordedSchema.safeParse(letter).success).toBe(true);
    expect(letter.payload.source).toEqual({
      topic: 'billing.transaction.events',
      partition: 7,
      offset: '90',
      key: origin().key,
      value: origin().value,
      headers: origin().headers,
      timestamp: '2025-11-27T09:00:00.000Z',
    });
    expect(letter.payload.failure).toEqual({
      class: 'permanent',
      code: 'NOT_JSON',
      message: 'value is not UTF-8 JSON',
      handler: 'transaction-projector',
      attempt: 1,
    });
    expect(letter.correlationId).toBe('5f0c8f0e-3a4b-4c1d-9e2f-0a1b2c3d4e5f');
  });

  it('gives the same ids for the same coordinates and handler, other ids otherwise', () => {
    const failure = { failureClass: 'deferred', code: 'ACCOUNT_NOT_FOUND', message: 'later' } as const;
    const build = (handler: string, offset = '90') =>
      buildDeadLetter({
        origin: { ...origin(), offset },
        failure,
        handler,
        failedAt: '2025-11-27T09:00:01.000Z',
      });

    expect(build('a').eventId).toBe(build('a').eventId);
    expect(build('a').payload.deadLetterId).toBe(deadLetterIdOf(origin(), 'a'));
    expect(build('a').payload.deadLetterId).not.toBe(build('b').payload.deadLetterId);
    expect(build('a').payload.deadLetterId).not.toBe(build('a', '91').payload.deadLetterId);
    expect(build('a').payload.deadLetterId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('clips a very long message to what the envelope allows', () => {
    const letter = buildDeadLetter({
      origin: origin(),
      failure: { failureClass: 'permanent', code: 'SCHEMA_INVALID', message: 'x'.repeat(20_000) },
      handler: 'h',
      failedAt: '2025-11-27T09:00:01.000Z',
    });
    expect(letter.payload.failure.message).toHaveLength(10_000);
    expect(DeadLetterRecordedSchema.safeParse(letter).success).toBe(true);
  });
});
