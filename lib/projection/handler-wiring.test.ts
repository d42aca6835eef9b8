import type { Context, MSKEvent } from 'aws-lambda';
import { handler } from '../../functions/transaction-projector';
import { DatabaseConfigError } from '../config';

describe('projector handler wiring', () => {
  it('is a middy handler that validates its configuration before touching the database', async () => {
    // Prepare
    const event: MSKEvent = {
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/local/abc',
      bootstrapServers: 'localhost:9092',
      records: {},
    };
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;

    // Act & Assess
    try {
      expect(typeof handler.use).toBe('function');
      await expect(handler(event, {} as Context)).rejects.toThrow(DatabaseConfigError);
      await expect(handler(event, {} as Context)).rejects.toThrow(/DATABASE_URL/);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
});
